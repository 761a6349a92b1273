using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Runtime.Threads;

namespace Sim.Model.Threading;

/// <summary>
/// <c>_thread.RLock</c> (<c>rlockobject</c>, <c>Modules/_threadmodule.c</c>, 3.13): a recursive lock built on a
/// non-recursive one (<c>rlock_lock</c>), the owner's thread id (<c>rlock_owner</c>, 0 when free) and the recursion count
/// (<c>rlock_count</c>). Every call starts by asking whether the calling thread owns the lock (<c>rlock_owner == tid</c>
/// and <c>rlock_count &gt; 0</c>), so threads that do not hold it read <c>rlock_owner</c> while the holder writes it: 3.13
/// uses relaxed atomics for it (the seed). <c>rlock_count</c> is touched only by the holder and stays plain; the model
/// checks that.
/// </summary>
/// <remarks>
/// Deviations: <c>rlock_lock</c> is a <see cref="PyMutex"/> locked with <c>_PY_LOCK_DETACH</c> (3.13 uses a
/// <c>PyThread_type_lock</c> through <c>acquire_timed</c>, which releases the thread state around a blocking acquire: the
/// same effect); the helper that compares owner and count is named after later CPython's <c>rlock_is_owned_by</c>
/// [inferred for 3.13]. In the <see cref="RLockOwnerAccess.PlainField"/> design a plain store is not atomic: a read of
/// <c>rlock_owner</c> by another thread while a plain store to it is under way is reported as the data race it is (the
/// store begins before its scheduling point and completes after it).
/// </remarks>
public sealed class RLock
{
    private readonly SimRuntime _rt;
    private readonly RLockOwnerAccess _access;
    private readonly AtomicLong _owner;
    private readonly PlainCell<long> _plainOwner;
    private readonly PyMutex _lock;
    private long _count;
    private SimThread? _plainStoreUnderWay;

    /// <summary>Creates an unlocked RLock (<c>rlock_new</c>).</summary>
    public RLock(SimRuntime runtime, string name, RLockOwnerAccess access = RLockOwnerAccess.RelaxedAtomics)
    {
        _rt = runtime;
        _access = access;
        Name = name;
        _lock = new PyMutex(runtime, $"{name}.rlock_lock");
        _owner = new AtomicLong(runtime, $"{name}.rlock_owner");
        _plainOwner = new PlainCell<long>(runtime, $"{name}.rlock_owner");
    }

    /// <summary>The lock's name in traces.</summary>
    public string Name { get; }

    /// <summary><c>rlock_owner</c>, read without a scheduling point (for checks).</summary>
    public long OwnerForCheck => _access == RLockOwnerAccess.RelaxedAtomics ? _owner.Peek() : _plainOwner.Peek();

    /// <summary><c>rlock_count</c>, read without a scheduling point (for checks).</summary>
    public long CountForCheck => Volatile.Read(ref _count);

    /// <summary>
    /// <c>RLock.acquire(blocking=True, timeout=-1)</c> (<c>rlock_acquire</c>): if the caller owns it, count one more;
    /// otherwise acquire <c>rlock_lock</c> (detached while waiting), then store the owner and a count of 1.
    /// </summary>
    public bool Acquire(bool blocking = true, long timeoutNanos = -1)
    {
        using var _ = _rt.Enter($"rlock_acquire({Name})");
        var tid = _rt.CurrentThread.Id; // PyThread_get_thread_ident_ex()
        if (IsOwnedBy(tid))
        {
            SetCount(CountOfHolder() + 1);
            return true;
        }

        if (_lock.LockTimed(blocking ? timeoutNanos : 0, PyLockFlags.Detach) != PyLockStatus.Acquired)
        {
            return false;
        }

        _rt.Check(CountOfHolder() == 0, $"{Name}: rlock_count is {CountOfHolder()} when {_rt.CurrentThread} acquires rlock_lock");
        StoreOwner(tid);
        SetCount(1);
        return true;
    }

    /// <summary>
    /// <c>RLock.release()</c> (<c>rlock_release</c>): only the owner may release; at a count of 0, clear the owner and
    /// release <c>rlock_lock</c>.
    /// </summary>
    /// <exception cref="ThreadError">The caller does not own the lock ("cannot release un-acquired lock").</exception>
    public void Release()
    {
        using var _ = _rt.Enter($"rlock_release({Name})");
        var tid = _rt.CurrentThread.Id;
        if (!IsOwnedBy(tid))
        {
            throw new ThreadError("cannot release un-acquired lock");
        }

        var count = CountOfHolder() - 1;
        SetCount(count);
        if (count == 0)
        {
            StoreOwner(0);
            _lock.Unlock();
        }
    }

    /// <summary><c>RLock._is_owned()</c> (<c>rlock_is_owned</c>): whether the calling thread owns the lock.</summary>
    public bool IsOwned()
    {
        using var _ = _rt.Enter($"rlock_is_owned({Name})");
        return IsOwnedBy(_rt.CurrentThread.Id);
    }

    /// <inheritdoc/>
    public override string ToString() => $"<_thread.RLock {Name} owner={OwnerForCheck} count={CountForCheck}>";

    /// <summary><c>rlock_is_owned_by</c>: a load of <c>rlock_owner</c>, and only if it is the caller, of <c>rlock_count</c>.</summary>
    private bool IsOwnedBy(long tid) => LoadOwner() == tid && CountOfHolder() > 0;

    /// <summary>The holder's plain read of <c>rlock_count</c>.</summary>
    private long CountOfHolder()
    {
        CheckHolderOnly("reads");
        return Volatile.Read(ref _count);
    }

    /// <summary>The holder's plain write of <c>rlock_count</c>.</summary>
    private void SetCount(long count)
    {
        CheckHolderOnly("writes");
        Volatile.Write(ref _count, count);
    }

    private void CheckHolderOnly(string what)
    {
        var me = _rt.CurrentThread;
        _rt.Check(_lock.IsLockedForCheck && (OwnerForCheck == me.Id || OwnerForCheck == 0), $"{me} {what} {Name}.rlock_count without holding the lock: only the holder may touch it");
    }

    private long LoadOwner()
    {
        if (_access == RLockOwnerAccess.RelaxedAtomics)
        {
            return _owner.Load(MemoryOrder.Relaxed); // _Py_atomic_load_ullong_relaxed(&self->rlock_owner)
        }

        var me = _rt.CurrentThread;
        var owner = _plainOwner.Read();
        if (Volatile.Read(ref _plainStoreUnderWay) is { } writer && !ReferenceEquals(writer, me))
        {
            _rt.Fail($"data race on {Name}.rlock_owner: {me} reads it while {writer}'s plain store to it is under way (a plain field read by threads that do not hold the lock)");
        }

        return owner;
    }

    private void StoreOwner(long tid)
    {
        if (_access == RLockOwnerAccess.RelaxedAtomics)
        {
            _owner.Store(tid, MemoryOrder.Relaxed); // _Py_atomic_store_ullong_relaxed(&self->rlock_owner, tid)
            return;
        }

        Volatile.Write(ref _plainStoreUnderWay, _rt.CurrentThread);
        _plainOwner.Write(tid);
        Volatile.Write(ref _plainStoreUnderWay, null);
    }
}
