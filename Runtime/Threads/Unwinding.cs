namespace Sim.Runtime.Threads;

/// <summary>The exceptions that stop a simulated thread without being a finding.</summary>
internal static class Unwinding
{
    /// <summary>
    /// True if <paramref name="ex"/> stops the thread because its run ended (<see cref="RunEndedException"/>, or Coyote
    /// interrupting the thread at the end of an iteration) or because it no longer exists (<see cref="ThreadGoneException"/>:
    /// it vanished in a fork, or it is a daemon thread stopped by the program's end).
    /// </summary>
    public static bool Stops(Exception ex) =>
        ex is ThreadInterruptedException or RunEndedException or ThreadGoneException
        || ex.GetBaseException() is ThreadInterruptedException;
}
