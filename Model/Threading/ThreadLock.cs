using Sim.Model.Locks;
using Sim.Runtime;

namespace Sim.Model.Threading;

/// <summary>
/// <c>_thread.lock</c> (<c>lockobject</c>, <c>Modules/_threadmodule.c</c>): a non-recursive lock that any thread may
/// release. The 3.12 join design uses one as <c>Thread._tstate_lock</c>.
/// </summary>
/// <remarks>
/// Deviation: in 3.12 the lock wraps a <c>PyThread_type_lock</c> (a semaphore or a mutex and condition variable) with a
/// <c>locked</c> flag for sanity checks; the model builds it on a <see cref="PyMutex"/>, as later CPython's
/// <c>lockobject</c> does: <c>acquire</c> is <c>_PyMutex_LockTimed(..., _PY_LOCK_DETACH)</c>, <c>release</c> is
/// <c>_PyMutex_TryUnlock</c>, <c>locked()</c> is <c>PyMutex_IsLocked</c>. Both are unowned locks with blocking and timed
/// acquire; the 3.12 race does not depend on which.
/// </remarks>
public sealed class ThreadLock
{
    private readonly SimRuntime _rt;

    /// <summary>Creates an unlocked lock (<c>_thread.allocate_lock()</c>).</summary>
    public ThreadLock(SimRuntime runtime, string name, LockDesign? design = null)
    {
        _rt = runtime;
        Name = name;
        Mutex = new PyMutex(runtime, name, design);
    }

    /// <summary>The lock's name in traces.</summary>
    public string Name { get; }

    /// <summary>The mutex the lock is built on.</summary>
    public PyMutex Mutex { get; }

    /// <summary>
    /// <c>acquire(blocking=True, timeout=-1)</c>: locks, waiting (detached) at most <paramref name="timeoutNanos"/> if
    /// <paramref name="blocking"/>, not at all otherwise. True if the lock was acquired.
    /// </summary>
    public bool Acquire(bool blocking = true, long timeoutNanos = -1)
    {
        using var _ = _rt.Enter($"lock.acquire({Name})");
        var timeout = blocking ? timeoutNanos : 0;
        return Mutex.LockTimed(timeout, PyLockFlags.Detach) == PyLockStatus.Acquired;
    }

    /// <summary><c>release()</c>.</summary>
    /// <exception cref="ThreadError">The lock is not locked ("release unlocked lock").</exception>
    public void Release()
    {
        using var _ = _rt.Enter($"lock.release({Name})");
        if (Mutex.TryUnlock() < 0)
        {
            throw new ThreadError("release unlocked lock");
        }
    }

    /// <summary><c>locked()</c>: an atomic load of the lock byte.</summary>
    public bool Locked()
    {
        using var _ = _rt.Enter($"lock.locked({Name})");
        return (Mutex.Bits.Load() & LockBits.Locked) != 0;
    }

    /// <summary>
    /// <c>release_sentinel</c> (3.12), called as the owning thread's <c>tstate-&gt;on_delete</c>: releases the lock if it
    /// is locked.
    /// </summary>
    internal void ReleaseSentinel()
    {
        using var _ = _rt.Enter("release_sentinel");
        if (Locked())
        {
            Mutex.TryUnlock();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"<{(Mutex.IsLockedForCheck ? "locked" : "unlocked")} _thread.lock {Name}>";
}
