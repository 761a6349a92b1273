namespace Sim.Runtime.Threads;

/// <summary>
/// Ends the calling simulated thread (<see cref="SimRuntime.ExitThread"/>, <c>PyThread_exit_thread</c>); the Runtime
/// catches it at the thread's root as a normal exit.
/// </summary>
internal sealed class ThreadExitException : Exception
{
    public ThreadExitException()
        : base("the thread exits (PyThread_exit_thread)")
    {
    }
}
