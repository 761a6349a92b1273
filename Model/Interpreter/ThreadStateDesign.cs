namespace Sim.Model.Interpreter;

/// <summary>
/// How thread states attach, how stop-the-world stops them, and how a deleted state leaves a stop in progress
/// (<c>Python/pystate.c</c>, 3.13): CPython 3.13's design (<see cref="Cpython313"/>), or one of the broken designs that
/// the stop-the-world scenarios need to show what 3.13's prevents. A variant is this record, read in one place per
/// decision.
/// </summary>
public sealed record ThreadStateDesign
{
    /// <summary>CPython 3.13, free-threaded build.</summary>
    public static ThreadStateDesign Cpython313 { get; } = new();

    /// <summary>How <c>tstate_try_attach</c> moves a state to ATTACHED.</summary>
    public AttachProtocol Attach { get; init; } = AttachProtocol.CompareExchange;

    /// <summary>How <c>park_detached_threads</c> moves a DETACHED state to SUSPENDED.</summary>
    public ParkDetachedProtocol ParkDetached { get; init; } = ParkDetachedProtocol.CompareExchange;

    /// <summary>What state a thread state created while a stop-the-world is requested starts in.</summary>
    public NewStateDuringStop NewStateDuringStop { get; init; } = NewStateDuringStop.Suspended;

    /// <summary>Whether <c>tstate_delete_common</c> takes a counted, not yet suspended state off a stop's countdown.</summary>
    public DeleteDuringStop DeleteDuringStop { get; init; } = DeleteDuringStop.DecrementCountdown;

    /// <summary>Whether stop-the-world requests take <c>_PyRuntime.stoptheworld_mutex</c>.</summary>
    public StopTheWorldExclusion Exclusion { get; init; } = StopTheWorldExclusion.ReadersWriterMutex;

    /// <summary>In which order <c>stop_the_world</c> takes <c>stw-&gt;mutex</c> and <c>stoptheworld_mutex</c>.</summary>
    public StopTheWorldLockOrder LockOrder { get; init; } = StopTheWorldLockOrder.ExclusionFirst;
}

/// <summary>How <c>tstate_try_attach</c> moves a state to ATTACHED.</summary>
public enum AttachProtocol
{
    /// <summary>
    /// CPython 3.13, free-threaded (<c>tstate_try_attach</c>): compare-and-exchange DETACHED → ATTACHED; a SUSPENDED state
    /// makes <c>tstate_wait_attach</c> park on <c>&amp;tstate-&gt;state</c> until start-the-world sets it DETACHED.
    /// </summary>
    CompareExchange,

    /// <summary>
    /// Broken: the default build's <c>tstate_try_attach</c>, a plain store of ATTACHED (<c>assert(state == DETACHED)</c>,
    /// which the GIL makes true). Without the GIL a thread suspended by a stop-the-world re-attaches at once, without
    /// waiting for the world to restart.
    /// </summary>
    PlainStore,
}

/// <summary>How <c>park_detached_threads</c> moves a DETACHED state to SUSPENDED.</summary>
public enum ParkDetachedProtocol
{
    /// <summary>CPython 3.13: compare-and-exchange DETACHED → SUSPENDED, counted only if it succeeds.</summary>
    CompareExchange,

    /// <summary>
    /// Broken: read the state, and if it is DETACHED store SUSPENDED and count the thread as parked. A thread that
    /// attaches between the read and the store runs while the requester counts it as stopped; its state is overwritten
    /// with SUSPENDED under it. The compare-and-exchange exists to close this window.
    /// </summary>
    CheckThenStore,
}

/// <summary>What state a thread state created during a stop-the-world request starts in.</summary>
public enum NewStateDuringStop
{
    /// <summary>
    /// CPython 3.13 (<c>init_threadstate</c>, under <c>HEAD_LOCK</c>): SUSPENDED if the interpreter's or the runtime's
    /// stop is requested, so the new thread's first attach waits for the world to restart. [version-uncertain: read in
    /// 3.14's source; believed part of 3.13's stop-the-world.]
    /// </summary>
    Suspended,

    /// <summary>
    /// Broken: DETACHED, as before stop-the-world existed. The requester counted the threads before this one existed, so
    /// the new thread can attach and run while the requester believes the world stopped.
    /// </summary>
    Detached,
}

/// <summary>Whether deleting a thread state during a stop-the-world request fixes the countdown.</summary>
public enum DeleteDuringStop
{
    /// <summary>
    /// CPython 3.13 (<c>tstate_delete_common</c>, under <c>HEAD_LOCK</c>): a state that is not SUSPENDED was counted and
    /// will never suspend, so it decrements the countdown of every requested stop ("Any ongoing stop-the-world request
    /// should not wait for us because our thread is getting deleted").
    /// </summary>
    DecrementCountdown,

    /// <summary>
    /// Broken: the state is unlinked and nothing else. A thread that exits while counted leaves the countdown above zero
    /// for good: the requester polls <c>stop_event</c> forever (a lost wake-up).
    /// </summary>
    Unlink,
}

/// <summary>How a global and a per-interpreter stop-the-world are kept apart.</summary>
public enum StopTheWorldExclusion
{
    /// <summary>
    /// CPython 3.13 (<c>stop_the_world</c>): <c>_PyRuntime.stoptheworld_mutex</c>, a <c>_PyRWMutex</c>: a global stop takes it
    /// as a writer, a per-interpreter stop as a reader, so a global stop never overlaps a per-interpreter one
    /// (<c>Include/internal/pycore_runtime.h</c>: "used to prevent overlapping global and per-interpreter stop-the-world
    /// events").
    /// </summary>
    ReadersWriterMutex,

    /// <summary>
    /// Broken: only each kind's own <c>stw-&gt;mutex</c>. A global and a per-interpreter stop run at once over the same
    /// threads: one restarts (sets DETACHED) threads that the other still counts as stopped.
    /// </summary>
    PerKindMutexOnly,
}

/// <summary>In which order <c>stop_the_world</c> takes its two locks.</summary>
public enum StopTheWorldLockOrder
{
    /// <summary>
    /// CPython 3.13 with gh-137433's fix (PR #137735, 2025): <c>stoptheworld_mutex</c> first, then <c>stw-&gt;mutex</c>, so
    /// a requester that blocks on the readers-writer mutex (and detaches, and may be suspended, or never run again) holds
    /// no stop-the-world lock. [version-uncertain: which 3.13 patch release has it.]
    /// </summary>
    ExclusionFirst,

    /// <summary>
    /// CPython 3.13.0 (and 3.14.0): <c>stw-&gt;mutex</c> first, then <c>stoptheworld_mutex</c>. A per-interpreter requester
    /// blocked on the readers-writer mutex, behind a global stop, holds its interpreter's <c>stoptheworld.mutex</c>; if
    /// the global stop is finalization (a daemon thread, gh-137433) or a fork, the requester never runs again and the
    /// next collection deadlocks on that mutex.
    /// </summary>
    PerKindMutexFirst,
}
