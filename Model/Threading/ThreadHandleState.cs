namespace Sim.Model.Threading;

/// <summary>
/// <c>ThreadHandleState</c> (<c>Modules/_threadmodule.c</c>, 3.13): NOT_STARTED → STARTING → RUNNING → DONE, or STARTING →
/// DONE when the thread cannot be started. The value lives in <c>ThreadHandle.state</c>, guarded by the handle's mutex.
/// </summary>
public static class ThreadHandleState
{
    /// <summary><c>THREAD_HANDLE_NOT_STARTED</c>.</summary>
    public const int NotStarted = 1;

    /// <summary><c>THREAD_HANDLE_STARTING</c>: <c>ThreadHandle_start</c> owns the handle.</summary>
    public const int Starting = 2;

    /// <summary><c>THREAD_HANDLE_RUNNING</c>: the OS thread exists (or existed) and is neither joined nor detached.</summary>
    public const int Running = 3;

    /// <summary><c>THREAD_HANDLE_DONE</c>: the OS thread is joined or detached, or does not exist in this process.</summary>
    public const int Done = 4;

    /// <summary>The name of a state value.</summary>
    public static string Describe(int state) => state switch
    {
        NotStarted => "NOT_STARTED",
        Starting => "STARTING",
        Running => "RUNNING",
        Done => "DONE",
        _ => $"?{state}",
    };
}
