namespace Sim.Runtime.Threads;

/// <summary>Unwinds a simulated thread that vanished in a simulated fork; the Runtime catches it at the thread's root.</summary>
internal sealed class ThreadGoneException : Exception
{
    public ThreadGoneException(SimThread thread)
        : base($"{thread} does not exist in the forked child")
    {
    }
}
