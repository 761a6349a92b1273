namespace Sim.Model.Interpreter;

/// <summary>
/// How the runtime's whole-process events treat other threads: <c>os.fork()</c> (<c>PyOS_BeforeFork</c>,
/// <c>PyOS_AfterFork_Child</c>, <c>Modules/posixmodule.c</c>), interpreter finalization (<c>Py_FinalizeEx</c>,
/// <c>Python/pylifecycle.c</c>) and thread creation during it (<c>do_start_new_thread</c>, <c>Modules/_threadmodule.c</c>):
/// CPython 3.13's design (<see cref="Cpython313"/>) or a historical or broken one.
/// </summary>
public sealed record LifecycleDesign
{
    /// <summary>CPython 3.13, free-threaded build.</summary>
    public static LifecycleDesign Cpython313 { get; } = new();

    /// <summary>Whether <c>PyOS_BeforeFork</c> stops the world before it takes <c>HEAD_LOCK</c>.</summary>
    public PauseProtocol Fork { get; init; } = PauseProtocol.StopTheWorld;

    /// <summary>Whether <c>Py_FinalizeEx</c> stops the world before it marks the runtime finalizing.</summary>
    public PauseProtocol Finalization { get; init; } = PauseProtocol.StopTheWorld;

    /// <summary>When the other threads' states are cleared after a fork and at finalization.</summary>
    public DeadThreadStates DeadThreadStates { get; init; } = DeadThreadStates.DeleteAfterStartingTheWorld;

    /// <summary>What starting a thread does once the interpreter is finalizing.</summary>
    public StartDuringFinalization StartDuringFinalization { get; init; } = StartDuringFinalization.RaisePythonFinalizationError;

    /// <summary>What a daemon thread that tries to attach once the runtime is finalizing does, and who frees its state.</summary>
    public DaemonThreadsAtFinalization DaemonThreads { get; init; } = DaemonThreadsAtFinalization.ExitIfFinalizing;
}

/// <summary>Whether a whole-process event pauses the other threads first.</summary>
public enum PauseProtocol
{
    /// <summary>CPython 3.13: <c>_PyEval_StopTheWorldAll</c> first, so every other thread is SUSPENDED at a safe point.</summary>
    StopTheWorld,

    /// <summary>
    /// Broken in the free-threaded build: no pause, as in the default build, where only the GIL holder runs anyway. The
    /// other threads go on running, or are caught anywhere (holding any lock) by the fork.
    /// </summary>
    None,
}

/// <summary>When the dead threads' states are cleared (seed "Split <c>_PyThreadState_DeleteExcept</c>").</summary>
public enum DeadThreadStates
{
    /// <summary>
    /// CPython 3.13: <c>_PyThreadState_RemoveExcept</c> unlinks them with the world stopped, the world restarts
    /// (<c>_PyEval_StartTheWorldAll</c>), then <c>_PyThreadState_DeleteList</c> clears them, which may run destructors.
    /// </summary>
    DeleteAfterStartingTheWorld,

    /// <summary>
    /// Broken (the seed: before the split, <c>_PyThreadState_DeleteExcept</c>): the states are cleared while the world is
    /// still stopped. A destructor that needs the world (a collection stops it again) or a lock a suspended thread holds
    /// deadlocks.
    /// </summary>
    DeleteWithTheWorldStopped,

    /// <summary>
    /// Broken (a plausible design; issue 6's "deleting thread states while holding <c>HEAD_LOCK</c>"): 3.13's order, but
    /// the removed states are cleared and freed under <c>HEAD_LOCK</c>, as if the list needed it. A destructor that takes
    /// <c>HEAD_LOCK</c> (a collection's <c>stop_the_world</c>, a new thread's <c>new_threadstate</c>) deadlocks on the lock
    /// its own thread holds: <c>_PyThreadState_RemoveExcept</c> unlinks under the lock and returns the list so that
    /// <c>_PyThreadState_DeleteList</c> clears without it.
    /// </summary>
    DeleteUnderHeadLock,
}

/// <summary>What <c>do_start_new_thread</c> does once <c>_PyInterpreterState_GetFinalizing(interp)</c> is set.</summary>
public enum StartDuringFinalization
{
    /// <summary>
    /// CPython 3.13 (PR #115352, gh-114570; the test is gh-113964's): raise <c>PythonFinalizationError</c> ("can't create
    /// new thread at interpreter shutdown") and start nothing.
    /// </summary>
    RaisePythonFinalizationError,

    /// <summary>
    /// Broken (before gh-104690): start the thread anyway. Its <c>thread_run</c> finds the runtime finalizing and exits
    /// without running (gh-108987), so a <c>Thread.start()</c> that waits for it to run waits forever.
    /// </summary>
    StartAnyway,
}

/// <summary>What happens to a daemon thread, and to its thread state, at finalization.</summary>
public enum DaemonThreadsAtFinalization
{
    /// <summary>
    /// CPython 3.13: <c>_PyThreadState_DeleteList</c> frees the removed states; a daemon thread that attaches later exits
    /// in <c>take_gil</c> (<c>_PyThreadState_MustExit</c>, which reads <c>_PyRuntime._finalizing</c>, then
    /// <c>PyThread_exit_thread</c>), or parks for good in <c>tstate_wait_attach</c> if its state is SUSPENDED (gh-124149).
    /// A thread between the check and its attach still uses its state after it is freed: gh-124878.
    /// </summary>
    ExitIfFinalizing,

    /// <summary>
    /// CPython 3.14 (PR #130649, gh-124878): thread states are reference-counted (the interpreter's list and the OS thread
    /// each hold one); <c>Py_FinalizeEx</c> marks the removed states <c>_Py_THREAD_SHUTTING_DOWN</c> and wakes them;
    /// <c>_PyThreadState_DeleteList</c> only drops the list's reference; a thread that finds its state SHUTTING_DOWN when
    /// it attaches drops its own reference and hangs (<c>_PyThreadState_HangThread</c>, <c>PyThread_hang_thread</c>).
    /// </summary>
    HangWhenShuttingDown,
}
