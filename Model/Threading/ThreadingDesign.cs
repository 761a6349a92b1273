namespace Sim.Model.Threading;

/// <summary>
/// How thread join, <c>_thread._ThreadHandle</c>, interpreter shutdown and the after-fork marking of thread handles
/// work: CPython 3.13's design (<see cref="Cpython313"/>), the 3.12 <c>_tstate_lock</c> design
/// (<see cref="Cpython312"/>), or a broken design that a scenario needs to show what the 3.13 design prevents. A variant
/// is this record, selected through <c>ModelConfig.Threading</c>; the model reads it in one place per decision.
/// </summary>
public sealed record ThreadingDesign
{
    /// <summary>CPython 3.13: <c>Thread.join</c> waits on the handle's <c>thread_is_exiting</c> event and joins the OS thread
    /// through the handle's <c>_PyOnceFlag</c>; the after-fork child marks inherited handles in C.</summary>
    public static ThreadingDesign Cpython313 { get; } = new();

    /// <summary>CPython 3.12: <c>Thread.join</c> acquires and releases <c>_tstate_lock</c>, then calls <c>_stop</c>
    /// (gh-114271).</summary>
    public static ThreadingDesign Cpython312 { get; } = new() { Join = JoinProtocol.TstateLock };

    /// <summary>How <c>threading.Thread.join</c> waits for the thread.</summary>
    public JoinProtocol Join { get; init; } = JoinProtocol.ThreadHandle;

    /// <summary>How concurrent <c>ThreadHandle_join</c> calls reach <c>join_thread</c>.</summary>
    public HandleJoinSerialization HandleJoin { get; init; } = HandleJoinSerialization.OnceFlag;

    /// <summary>When <c>do_start_new_thread</c> links a non-daemon thread's handle into <c>shutdown_handles</c>.</summary>
    public ShutdownRegistration ShutdownRegistration { get; init; } = ShutdownRegistration.BeforeStart;

    /// <summary>How <c>_thread._shutdown</c> walks <c>shutdown_handles</c>.</summary>
    public ShutdownWait ShutdownWait { get; init; } = ShutdownWait.UntilNoneLeft;

    /// <summary>When the fork child marks the handles of threads that do not exist in it.</summary>
    public AfterForkMarking AfterForkMarking { get; init; } = AfterForkMarking.InRuntimeBeforePythonCode;

    /// <summary>What a start whose OS thread cannot be created leaves behind.</summary>
    public StartFailure StartFailure { get; init; } = StartFailure.ForceDone;

    /// <summary>How <c>_thread.RLock</c> reads and writes <c>rlock_owner</c>.</summary>
    public RLockOwnerAccess RLockOwner { get; init; } = RLockOwnerAccess.RelaxedAtomics;
}

/// <summary>How <see cref="RLock"/> accesses <c>rlock_owner</c>.</summary>
public enum RLockOwnerAccess
{
    /// <summary>
    /// CPython 3.13 (the seed: "The ID of the owning thread (rlock_owner) may be accessed by multiple threads without
    /// holding the underlying lock; relaxed atomics are used in place of the previous loads/stores").
    /// </summary>
    RelaxedAtomics,

    /// <summary>
    /// Before the seed's change: plain loads and stores. A thread that checks whether it owns the lock reads the field
    /// while the holder writes it: a data race (undefined behaviour in C, a report under ThreadSanitizer).
    /// </summary>
    PlainField,
}

/// <summary>How <c>threading.Thread.join</c> waits for its thread.</summary>
public enum JoinProtocol
{
    /// <summary>
    /// CPython 3.13: <c>Thread.join</c> calls <c>_ThreadHandle.join</c>, which waits on <c>thread_is_exiting</c> (set by
    /// <c>thread_run</c> after the thread state is deleted) and joins the OS thread once (<c>Modules/_threadmodule.c</c>).
    /// </summary>
    ThreadHandle,

    /// <summary>
    /// CPython 3.12: the thread acquires a fresh lock, <c>_tstate_lock</c>, which <c>release_sentinel</c> releases at the end
    /// of <c>PyThreadState_Clear</c>; <c>join</c> acquires it, releases it and calls <c>_stop</c>, which asserts that the lock
    /// is not held (<c>Lib/threading.py</c>). Two joiners race: gh-114271.
    /// </summary>
    TstateLock,
}

/// <summary>How concurrent joins of one <see cref="ThreadHandle"/> reach <c>join_thread</c>.</summary>
public enum HandleJoinSerialization
{
    /// <summary>CPython 3.13: <c>_PyOnceFlag_CallOnce(&amp;self-&gt;once, join_thread, self)</c>: joins serialise, the OS thread
    /// is joined once, later joins return at once (gh-114271, PR #115190).</summary>
    OnceFlag,

    /// <summary>
    /// Broken (the handle before PR #115190): <c>join_thread</c> is guarded by a plain <c>joinable</c> flag, tested and
    /// cleared without a lock instead of the once flag. Under the GIL the test and the clear were atomic; without it two
    /// joiners can both see the flag set and both call <c>PyThread_join_thread</c>: a double <c>pthread_join</c>.
    /// </summary>
    PlainJoinableFlag,
}

/// <summary>When a non-daemon thread's handle enters <c>shutdown_handles</c>.</summary>
public enum ShutdownRegistration
{
    /// <summary>CPython 3.13 (<c>do_start_new_thread</c>): before <c>ThreadHandle_start</c>, so that the handle of a thread that
    /// finishes before <c>ThreadHandle_start</c> returns is removed by the thread itself.</summary>
    BeforeStart,

    /// <summary>Broken: after <c>ThreadHandle_start</c>. A thread that runs to its end first removes nothing, and its handle
    /// is then linked for good: the hazard the comment in <c>do_start_new_thread</c> names.</summary>
    AfterStart,
}

/// <summary>How <c>_thread._shutdown</c> waits for the non-daemon threads.</summary>
public enum ShutdownWait
{
    /// <summary>CPython 3.13 (<c>thread_shutdown</c>): repeatedly take the first handle that is not the caller's, under
    /// <c>HEAD_LOCK</c>, and join it, until none is left; threads started meanwhile are waited for too.</summary>
    UntilNoneLeft,

    /// <summary>Broken: join the handles linked when <c>_shutdown</c> starts and return. A non-daemon thread started while
    /// shutdown waits is not waited for; 3.12's <c>_shutdown</c> loops for this reason ("new threads can be spawned while
    /// we were waiting for the other threads to complete").</summary>
    SnapshotOnce,
}

/// <summary>When the fork child marks inherited handles as not joinable.</summary>
public enum AfterForkMarking
{
    /// <summary>CPython 3.13 (gh-115035): <c>_PyThread_AfterFork</c>, from <c>_PyRuntimeState_ReInitThreads</c> in
    /// <c>PyOS_AfterFork_Child</c>, before any Python code, garbage collection or handle deallocation can run.</summary>
    InRuntimeBeforePythonCode,

    /// <summary>Broken (before gh-115035): the handles are marked from Python, in <c>threading._after_fork</c>; a collection
    /// that runs first frees an unjoined handle, whose destructor detaches an OS thread that does not exist in the child.</summary>
    FromPythonAfterFork,
}

/// <summary>What <c>ThreadHandle_start</c> and <c>do_start_new_thread</c> do when the OS thread cannot be started.</summary>
public enum StartFailure
{
    /// <summary>CPython 3.13: <c>start_failed</c> runs <c>force_done</c> through the once flag (DONE, <c>thread_is_exiting</c>
    /// set), and <c>do_start_new_thread</c> removes a non-daemon handle from <c>shutdown_handles</c>.</summary>
    ForceDone,

    /// <summary>Broken: the handle is marked done but stays in <c>shutdown_handles</c>; <c>_thread._shutdown</c> joins a
    /// thread that never ran and finds its handle still linked, so it would pick it again forever.</summary>
    LeaveRegistered,
}
