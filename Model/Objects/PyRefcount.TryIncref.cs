using Sim.Runtime.Cells;

namespace Sim.Model.Objects;

/// <summary>
/// The conditional increments of lock-free readers (<c>Include/internal/pycore_object.h</c>, 3.13; brought over from the
/// nogil branch, seed "Bring in a subset of biased reference counting"): a reader that loaded a pointer without a lock
/// may find the object dying, freed, or replaced by a new object in the same block, and must take a reference only if
/// the object is alive and still where it found it.
/// </summary>
public sealed partial class PyRefcount
{
    /// <summary>
    /// <c>_Py_TryIncrefFast</c>: succeeds if the object is immortal or owned by the caller (a plain store of local + 1).
    /// On success <paramref name="op"/> becomes the object that lives at its address now.
    /// </summary>
    public bool TryIncrefFast(ref PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"_Py_TryIncrefFast({op})");
        var h = Header(op, typeStable: true);
        var local = unchecked(h.LoadLocal() + 1);
        if (local == 0)
        {
            return true; // immortal
        }

        if (h.IsOwnedByCurrentThread())
        {
            h.StoreLocalByOwner(local);
            op = Rebase(op);
            return true;
        }

        return false;
    }

    /// <summary>
    /// <c>_Py_TryIncRefShared</c>: a CAS loop adding one to the shared count, refusing a shared field of 0 (the owner may
    /// free it without a CAS) or exactly MERGED (merged with a count of zero: dead). On success <paramref name="op"/> becomes
    /// the object that lives at its address now, which a stale pointer may have reached.
    /// </summary>
    public bool TryIncRefShared(ref PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"_Py_TryIncRefShared({op})");
        var refuseMerged = Design.TryIncRefShared == TryIncrefRule.RefuseZeroAndMerged;
        var h = Header(op, typeStable: true);
        var target = op;
        var shared = h.LoadShared(MemoryOrder.Relaxed);
        for (;;)
        {
            // If the shared refcount is zero and the object is either merged or may not have weak references, we cannot
            // incref it.
            if (shared == 0 || (refuseMerged && shared == RefcountBits.Merged))
            {
                return false;
            }

            if (h.CasShared(ref shared, shared + RefcountBits.SharedOne, old => CheckNotDead(target, old)))
            {
                op = Rebase(op);
                return true;
            }
        }
    }

    /// <summary><c>_Py_TryIncref</c>: <see cref="TryIncrefFast"/> or <see cref="TryIncRefShared"/>.</summary>
    public bool TryIncref(ref PyObjectPtr op) => TryIncrefFast(ref op) || TryIncRefShared(ref op);

    /// <summary>
    /// <c>_Py_TryIncrefCompare</c>: a conditional increment, then a re-check that <paramref name="src"/> still points to the
    /// object; on a mismatch the reference is dropped again. A reader whose stale pointer reached a new object in the
    /// same block fails here, since the new object is not in <paramref name="src"/>.
    /// </summary>
    public bool TryIncrefCompare(PySlot src, ref PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"_Py_TryIncrefCompare({src}, {op})");
        if (TryIncrefFast(ref op))
        {
            return true;
        }

        if (!TryIncRefShared(ref op))
        {
            return false;
        }

        if (!op.SameAddress(src.Load()))
        {
            DecRef(op);
            return false;
        }

        return true;
    }

    /// <summary><c>_Py_TryXGetRef</c>: one attempt; null if the slot is NULL or the object could not be taken.</summary>
    public PyObjectPtr? TryXGetRef(PySlot src)
    {
        using var _ = _rt.Enter($"_Py_TryXGetRef({src})");
        return TryGetRefOnce(src, out var value) ? value : null;
    }

    /// <summary>
    /// <c>_Py_NewRefWithLock</c>: an increment by a thread that holds the container's lock; a non-owner also sets
    /// MAYBE_WEAKREF, so that later lock-free readers may try-incref the object and its owner's zero path goes through
    /// the CAS.
    /// </summary>
    public PyObjectPtr NewRefWithLock(PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"_Py_NewRefWithLock({op})");
        if (TryIncrefFast(ref op))
        {
            return op;
        }

        var h = Header(op);
        for (;;)
        {
            var shared = h.LoadShared(MemoryOrder.Relaxed);
            var newShared = shared + RefcountBits.SharedOne;
            if ((shared & RefcountBits.SharedFlagMask) == 0)
            {
                newShared |= RefcountBits.MaybeWeakref;
            }

            if (h.CasShared(ref shared, newShared))
            {
                return op;
            }
        }
    }

    /// <summary><c>_PyObject_SetMaybeWeakref</c>: sets MAYBE_WEAKREF unless another state flag is set.</summary>
    public void SetMaybeWeakref(PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"_PyObject_SetMaybeWeakref({op})");
        var h = Header(op);
        if (h.LoadLocal() == RefcountBits.ImmortalRefcntLocal)
        {
            return;
        }

        for (;;)
        {
            var shared = h.LoadShared(MemoryOrder.Relaxed);
            if ((shared & RefcountBits.SharedFlagMask) != 0)
            {
                // Nothing to do if it's in WEAKREFS, QUEUED, or MERGED states.
                return;
            }

            if (h.CasShared(ref shared, shared | RefcountBits.MaybeWeakref))
            {
                return;
            }
        }
    }

    private bool TryGetRefOnce(PySlot src, out PyObjectPtr? value)
    {
        value = src.Load();
        if (value is null)
        {
            return true;
        }

        using var hold = Checker.Hold(value, $"a borrowed pointer loaded from {src}");
        return TryIncrefCompare(src, ref value!);
    }

    /// <summary>A conditional increment must never succeed on a dead object: MERGED with a count of zero.</summary>
    private void CheckNotDead(PyObjectPtr op, long previous)
    {
        if (previous == RefcountBits.Merged)
        {
            _rt.Fail($"{Mimalloc.MiHeapChecker.MemoryError}: dead object revived: {_rt.CurrentThread}'s conditional increment takes a reference to {op.Allocation.Describe()}, whose merged count was already zero");
        }
    }

    /// <summary>The object that lives at <paramref name="op"/>'s address now (the same one unless the pointer is stale).</summary>
    private PyObjectPtr Rebase(PyObjectPtr op)
    {
        if (op.Block.CurrentForCheck is { Ptr: PyObjectPtr now } && !ReferenceEquals(now, op))
        {
            _rt.Note($"{_rt.CurrentThread}'s stale pointer to {op} reached {now}, which now lives in block {op.Block.Name}");
            return now;
        }

        return op;
    }
}
