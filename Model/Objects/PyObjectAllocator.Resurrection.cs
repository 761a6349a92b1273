using Sim.Model.Locks;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects;

/// <summary>
/// Finalizers run from <c>tp_dealloc</c>, and the resurrection they may cause (<c>Objects/object.c</c>,
/// <c>Include/internal/pycore_object.h</c>, 3.13): <c>PyObject_CallFinalizerFromDealloc</c> temporarily resurrects the
/// object (<c>_PyObject_ResurrectStart</c>), calls <c>tp_finalize</c> once (<c>PyObject_CallFinalizer</c>, which sets
/// FINALIZED for a GC type), and undoes the resurrection (<c>_PyObject_ResurrectEnd</c>); if the finalizer stored a new
/// reference somewhere, the object lives on and <c>_Py_Dealloc</c> stops there.
/// </summary>
/// <remarks>
/// [version-uncertain] The helpers' names and bodies are those of the 3.13 branch after gh-121794
/// (<c>_PyObject_ResurrectStart</c> owns the object with one local reference; <c>_PyObject_ResurrectEnd</c> has an owner fast
/// path and merges otherwise); the seed's gh-113750 predates them, and its change (restore the refcount only) is what
/// <see cref="ResurrectionDesign"/> switches. Deviation: a non-owner's slow path decrements the shared count without
/// queueing the object to its owner.
/// </remarks>
public sealed partial class PyObjectAllocator
{
    /// <summary><c>PyObject_CallFinalizerFromDealloc</c>: true if the finalizer resurrected the object.</summary>
    private bool CallFinalizerFromDealloc(PyObjectPtr op)
    {
        using var _ = _rt.Enter($"PyObject_CallFinalizerFromDealloc({op})");
        ResurrectStart(op);
        CallFinalizer(op);
        if (!ResurrectEnd(op))
        {
            return false; // the normal path out
        }

        // tp_finalize resurrected it!
        _rt.Note($"{op} was resurrected by its finalizer");
        if (!_interp.Config.Resurrection.RestoresOnlyRefcount)
        {
            ReinitializeHeader(op);
        }

        return true;
    }

    /// <summary><c>_PyObject_ResurrectStart</c>: the caller owns the object, with one local reference and no shared one.</summary>
    private void ResurrectStart(PyObjectPtr op)
    {
        var h = Header(op);
        h.StoreTid(h.CurrentTid, MemoryOrder.Relaxed);
        h.InitializeLocal(1);
        h.StoreShared(0, MemoryOrder.Relaxed);
    }

    /// <summary><c>PyObject_CallFinalizer</c>: <c>tp_finalize</c>, unless a GC object's FINALIZED bit says it already ran.</summary>
    private void CallFinalizer(PyObjectPtr op)
    {
        var h = Header(op);
        if (op.Type.IsGc && (h.LoadGcBits() & PyGcBits.Finalized) != 0)
        {
            return;
        }

        op.Type.Finalize!(op);
        if (op.Type.IsGc)
        {
            h.StoreGcBits(h.LoadGcBits() | PyGcBits.Finalized); // _PyGC_SET_FINALIZED
        }
    }

    /// <summary>
    /// <c>_PyObject_ResurrectEnd</c>: drops the temporary reference without deallocating; true if the object is still
    /// alive. Fast path: the owner with the one local reference stores 0. Otherwise <c>_PyObject_ResurrectEndSlow</c>: the
    /// owner merges the counts less one (<c>_Py_ExplicitMergeRefcount(op, -1)</c>); another thread decrements the shared
    /// count.
    /// </summary>
    private bool ResurrectEnd(PyObjectPtr op)
    {
        var h = Header(op);
        var local = h.LoadLocal();
        var shared = h.LoadShared(MemoryOrder.Acquire);
        if (h.IsOwnedByCurrentThread() && local == 1 && shared == 0)
        {
            h.StoreLocalByOwner(0);
            return false;
        }

        if (h.IsOwnedByCurrentThread())
        {
            return _interp.Refcount.ExplicitMergeRefcount(op, -1) != 0;
        }

        long newShared;
        do
        {
            newShared = shared - RefcountBits.SharedOne;
        }
        while (!h.CasShared(ref shared, newShared));
        return RefcountBits.Count(newShared) != 0;
    }

    /// <summary>
    /// Before gh-113750: <c>_Py_NewReferenceNoTotal</c> (<c>new_reference</c>'s stores: <c>ob_tid</c>, <c>ob_mutex</c>,
    /// <c>ob_gc_bits</c>, <c>ob_ref_local</c> = 1, <c>ob_ref_shared</c> = 0), then <c>Py_SET_REFCNT</c> back to the count the
    /// object had.
    /// </summary>
    private void ReinitializeHeader(PyObjectPtr op)
    {
        var h = Header(op);
        var refcnt = RefcountBits.TrueRefcount(h.LoadLocal(), h.LoadShared(MemoryOrder.Relaxed));
        h.StoreTid(h.CurrentTid, MemoryOrder.Relaxed);
        op.Block.ObMutex.Bits.Store(LockBits.Unlocked, MemoryOrder.Relaxed);
        h.StoreGcBits(0);
        h.InitializeLocal(1);
        h.StoreShared(0, MemoryOrder.Relaxed);
        h.StoreLocalByOwner((uint)refcnt); // Py_SET_REFCNT by the (new) owner: the local count, no shared count
    }
}
