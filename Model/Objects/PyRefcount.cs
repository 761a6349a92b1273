using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects;

/// <summary>
/// Biased reference counting (<c>Include/object.h</c>, <c>Objects/object.c</c>, 3.13; PEP 703, gh-110481): the owner
/// (the thread whose id is in <c>ob_tid</c>) counts in <c>ob_ref_local</c> with plain relaxed stores; every other thread
/// counts in <c>ob_ref_shared</c> with atomic operations, and the shared count may go negative. A non-owner whose decrement
/// would take the shared field below zero queues the object to its owner instead (<see cref="Brc.BrcState.QueueObject"/>),
/// and the owner merges the two counts at its next eval-breaker check. An object is deallocated exactly once, by whichever
/// thread sees the merged count reach zero. The conditional increments for lock-free readers are in
/// <c>PyRefcount.TryIncref.cs</c>.
/// </summary>
/// <remarks>
/// With <see cref="RefcountDesign.RefDebug"/> (<c>Py_REF_DEBUG</c>), every increment and decrement also goes into the
/// thread's reference total (<see cref="RefTotal"/>). Every count that a merge or a shared decrement computes is
/// checked: a negative true count is reported as it happens (<c>_Py_NegativeRefcount</c>).
/// </remarks>
public sealed partial class PyRefcount
{
    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;

    internal PyRefcount(PyInterpreterState interp)
    {
        _interp = interp;
        _rt = interp.Runtime;
    }

    private RefcountDesign Design => _interp.Config.Refcount;

    private MiHeapChecker Checker => _interp.Mimalloc.Checker;

    /// <summary>
    /// <c>Py_INCREF</c>: a relaxed load of <c>ob_ref_local</c> (an immortal object's would wrap to 0: nothing to do); the
    /// owner stores local + 1, anyone else atomically adds one to the shared count.
    /// </summary>
    public void IncRef(PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"Py_INCREF({op})");
        var h = Header(op);
        var newLocal = unchecked(h.LoadLocal() + 1);
        if (newLocal == 0)
        {
            return; // immortal
        }

        if (h.IsOwnedByCurrentThread())
        {
            h.StoreLocalByOwner(newLocal);
        }
        else
        {
            h.AddShared(RefcountBits.SharedOne);
        }

        if (Design.RefDebug)
        {
            _interp.RefTotal.Add(_interp.CurrentThreadState, 1); // _Py_INCREF_IncRefTotal()
        }
    }

    /// <summary>
    /// <c>Py_DECREF</c>: the owner stores local − 1 and, at zero, merges (<see cref="MergeZeroLocalRefcount"/>); anyone else
    /// goes through <see cref="DecRefShared"/>.
    /// </summary>
    public void DecRef(PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"Py_DECREF({op})");
        var h = Header(op);
        var local = h.LoadLocal();
        if (local == RefcountBits.ImmortalRefcntLocal)
        {
            return;
        }

        if (Design.RefDebug)
        {
            _interp.RefTotal.Add(_interp.CurrentThreadState, -1); // _Py_DECREF_DecRefTotal()
        }

        if (h.IsOwnedByCurrentThread())
        {
            if (local == 0)
            {
                _rt.Fail($"negative refcount: {_rt.CurrentThread} decrements ob_ref_local of {op.Allocation.Describe()} below zero");
            }

            local--;
            h.StoreLocalByOwner(local);
            if (local == 0)
            {
                MergeZeroLocalRefcount(op);
            }
        }
        else
        {
            DecRefShared(op);
        }
    }

    /// <summary><c>Py_XDECREF</c>.</summary>
    public void XDecRef(PyObjectPtr? op)
    {
        if (op is not null)
        {
            DecRef(op);
        }
    }

    /// <summary>
    /// <c>_Py_DecRefShared</c> (<c>_Py_DecRefSharedIsDead</c>): a CAS loop on <c>ob_ref_shared</c>. If the field is 0 or exactly
    /// MAYBE_WEAKREF, mark it QUEUED without subtracting and queue the object to its owner, the queue entry keeping this
    /// reference; otherwise subtract one, and deallocate if the result is exactly MERGED (merged, count zero).
    /// </summary>
    public void DecRefShared(PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"_Py_DecRefShared({op})");
        var design = Design.NonOwnerDecref;
        var h = Header(op);
        bool shouldQueue;
        long newShared;
        var shared = h.LoadShared(MemoryOrder.Relaxed);
        do
        {
            shouldQueue = design != NonOwnerDecref.NeverQueue && (shared == 0 || shared == RefcountBits.MaybeWeakref);
            newShared = shouldQueue ? RefcountBits.Queued : shared - RefcountBits.SharedOne;
        }
        while (!h.CasShared(ref shared, newShared));

        if (newShared < 0 && RefcountBits.IsMerged(newShared))
        {
            _rt.Fail($"negative refcount: {_rt.CurrentThread}'s decrement leaves {op.Allocation.Describe()} merged with count {RefcountBits.Count(newShared)}");
        }

        if (shouldQueue)
        {
            _interp.Brc.QueueObject(op);
        }
        else if (newShared == RefcountBits.Merged)
        {
            // The refcount is zero and merged.
            _interp.Objects.Dealloc(op);
        }
        else if (design == NonOwnerDecref.FreeWhenSharedCountIsZero && !RefcountBits.IsMerged(newShared) && RefcountBits.Count(newShared) == 0)
        {
            _interp.Objects.Dealloc(op);
        }
    }

    /// <summary>
    /// <c>_Py_MergeZeroLocalRefcount</c>: the owner's local count reached zero. If the shared field is exactly 0, no other
    /// thread has a reference or may take one: deallocate. Otherwise give up ownership (<c>ob_tid = 0</c>) and CAS the flags
    /// to MERGED; deallocate if the merged count is zero.
    /// </summary>
    public void MergeZeroLocalRefcount(PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"_Py_MergeZeroLocalRefcount({op})");
        var design = Design;
        var h = Header(op);
        var shared = h.LoadShared(MemoryOrder.Acquire);
        if (shared == 0 || (design.ZeroLocalMerge == ZeroLocalMerge.DeallocWhenSharedCountIsZero && RefcountBits.Count(shared) == 0))
        {
            // Fast path: the shared refcount is zero (including flags).
            _interp.Objects.Dealloc(op);
            return;
        }

        if (design.MergeFieldOrder == MergeFieldOrder.FieldsBeforeMerge)
        {
            // gh-121794: before the store to ob_ref_shared (gh-119999), but outside the fast path, so that a zero ob_tid
            // implies a merged refcount.
            h.StoreTid(RefcountBits.UnownedTid, MemoryOrder.Relaxed);
        }

        long newShared;
        do
        {
            newShared = (shared & ~RefcountBits.SharedFlagMask) | RefcountBits.Merged;
        }
        while (!h.CasShared(ref shared, newShared));

        if (design.MergeFieldOrder == MergeFieldOrder.FieldsAfterMerge)
        {
            h.StoreTid(RefcountBits.UnownedTid, MemoryOrder.Relaxed);
        }

        if (newShared < 0)
        {
            _rt.Fail($"negative refcount: {_rt.CurrentThread} merges {op.Allocation.Describe()} with count {RefcountBits.Count(newShared)}");
        }

        if (newShared == RefcountBits.Merged)
        {
            // The shared refcount is zero (only the flags are set).
            _interp.Objects.Dealloc(op);
        }
    }

    /// <summary>
    /// <c>_Py_ExplicitMergeRefcount</c>: gives up ownership and folds <c>ob_ref_local</c> and <paramref name="extra"/> into
    /// <c>ob_ref_shared</c>, tagged MERGED. Returns the merged count; the caller deallocates at zero. Called by the owner
    /// (merging its queue), by a thread queueing an object whose owner has exited, and by the GC.
    /// </summary>
    public long ExplicitMergeRefcount(PyObjectPtr op, long extra)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"_Py_ExplicitMergeRefcount({op}, {extra})");
        var before = Design.MergeFieldOrder == MergeFieldOrder.FieldsBeforeMerge;
        var h = Header(op);
        long local = 0;
        if (before)
        {
            // gh-119999: write ob_ref_local and ob_tid before merging the refcount.
            local = h.LoadLocal();
            h.ZeroLocalForMerge();
            h.StoreTid(RefcountBits.UnownedTid, MemoryOrder.Relaxed);
        }

        long refcnt;
        long newShared;
        var shared = h.LoadShared(MemoryOrder.Relaxed);
        do
        {
            if (!before)
            {
                local = h.LoadLocal();
            }

            refcnt = RefcountBits.Count(shared) + local + extra;
            newShared = RefcountBits.Shared(refcnt, RefcountBits.Merged);
        }
        while (!h.CasShared(ref shared, newShared));

        if (!before)
        {
            h.ZeroLocalForMerge();
            h.StoreTid(RefcountBits.UnownedTid, MemoryOrder.Relaxed);
        }

        if (refcnt < 0)
        {
            _rt.Fail($"negative refcount: {_rt.CurrentThread} merges {op.Allocation.Describe()} to {refcnt}");
        }

        return refcnt;
    }

    private PyObjectHeader Header(PyObjectPtr op, bool typeStable = false) => new(_rt, Checker, op, typeStable);
}
