namespace Sim.Runtime.Threads;

/// <summary>
/// Unwinds a simulated thread whose run has ended: the exploration iteration is over (a bug was found elsewhere, or the
/// step bound was reached), or, on real threads, another thread failed and the run is being torn down. The Runtime
/// catches it at the thread's root.
/// </summary>
internal sealed class RunEndedException : Exception
{
    public RunEndedException()
        : base("the run has ended")
    {
    }
}
