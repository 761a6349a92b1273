namespace Sim.Model.Locks;

/// <summary>
/// How the lock primitives of <c>Python/lock.c</c> behave: CPython 3.13's design (<see cref="Cpython313"/>), or one of
/// the broken designs that the calibration scenarios use to check that exploration finds what it must. A variant is
/// this record, not an <c>if</c> spread through the model.
/// </summary>
public sealed record LockDesign
{
    /// <summary>CPython 3.13, free-threaded build.</summary>
    public static LockDesign Cpython313 { get; } = new();

    /// <summary>
    /// <c>MAX_SPIN_COUNT</c>: how many times <c>_PyMutex_LockTimed</c> yields before parking. 40 in free-threaded builds,
    /// 0 with the GIL.
    /// </summary>
    public int MaxSpinCount { get; init; } = 40;

    /// <summary>
    /// <c>TIME_TO_BE_FAIR_NS</c>: a waiter that has waited longer than this is handed the mutex directly on unlock.
    /// 1 ms.
    /// </summary>
    public long TimeToBeFairNanos { get; init; } = 1_000_000;

    /// <summary>What <c>_PyMutex_TryUnlock</c> does when <c>_Py_HAS_PARKED</c> is set.</summary>
    public MutexUnlockProtocol MutexUnlock { get; init; } = MutexUnlockProtocol.UnparkOneWaiter;

    /// <summary>What <c>unlock_once</c> does after a failed initialiser.</summary>
    public OnceFailureProtocol OnceFailure { get; init; } = OnceFailureProtocol.ResetAndUnparkAll;
}

/// <summary>Unlocking a <see cref="PyMutex"/> with parked waiters.</summary>
public enum MutexUnlockProtocol
{
    /// <summary>CPython: if <c>_Py_HAS_PARKED</c> is set, unpark one waiter through <c>mutex_unpark</c>.</summary>
    UnparkOneWaiter,

    /// <summary>
    /// Broken: unlock clears the byte with an exchange and never looks at <c>_Py_HAS_PARKED</c>, the hand-shake the
    /// parking lot depends on. A waiter that parked is never woken: a lost wake-up.
    /// </summary>
    IgnoreParkedWaiters,
}

/// <summary>Ending a failed <see cref="PyOnceFlag"/> initialiser.</summary>
public enum OnceFailureProtocol
{
    /// <summary>CPython (<c>unlock_once</c> with -1): reset to <c>_Py_UNLOCKED</c> so the next caller retries, and unpark all waiters.</summary>
    ResetAndUnparkAll,

    /// <summary>Broken: a failure is recorded as <c>_Py_ONCE_INITIALIZED</c>, so no later caller ever retries and all report success.</summary>
    MarkInitialized,

    /// <summary>Broken: reset to <c>_Py_UNLOCKED</c> with a plain store, dropping <c>_Py_HAS_PARKED</c> without waking anyone.</summary>
    ResetWithoutUnpark,
}
