namespace Sim.Runtime.Threads;

/// <summary>
/// Unwinds a simulated thread that no longer exists (it vanished in a simulated fork, or it is a daemon thread the program's
/// end stopped); the Runtime catches it at the thread's root.
/// </summary>
internal sealed class ThreadGoneException : Exception
{
    public ThreadGoneException(SimThread thread)
        : base($"{thread} no longer exists in this process")
    {
    }
}
