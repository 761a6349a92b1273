using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Runtime.Cells;

namespace Sim.Model.Gc;

/// <summary><c>deduce_unreachable_heap</c> and the heap walk (<c>gc_visit_heaps</c>), with the world stopped.</summary>
internal sealed partial class GcCollection
{
    /// <summary>
    /// <c>gc_visit_heaps</c>: under <c>HEAD_LOCK</c>, the GC and GC_PRE heaps of every thread, then the abandoned pool's
    /// pages of those tags; each allocated block holding a tracked, unfrozen object (<c>op_from_block</c>). Deviation: the
    /// allocated blocks are listed first, then visited (mimalloc's visitor reads each page's free map as it reaches the
    /// page); the same while the world is stopped, and a thread that frees a listed block before its visit is caught.
    /// </summary>
    private void VisitHeaps(string visitor, Action<PyObjectPtr> visit)
    {
        using var _ = _rt.Enter($"gc_visit_heaps({visitor})");
        _interp.HeadLock.LockDontDetach();
        var pages = new List<MiPage>();
        foreach (var t in _interp.ThreadStatesForCheck)
        {
            pages.AddRange(t.Mimalloc.Heap(MiHeapTag.Gc).Pages);
            pages.AddRange(t.Mimalloc.Heap(MiHeapTag.GcPre).Pages);
        }

        pages.AddRange(_interp.Mimalloc.Abandoned.PagesForCheck.Where(p => p.Tag is MiHeapTag.Gc or MiHeapTag.GcPre));
        var objects = pages.SelectMany(p => p.Blocks)
            .Select(b => b.CurrentForCheck?.Ptr as PyObjectPtr)
            .OfType<PyObjectPtr>()
            .ToArray();
        foreach (var op in objects)
        {
            // op_from_block: skip untracked and frozen objects. A block freed since the listing is read as an object all
            // the same (a use after free): "It is not safe to allocate or free any mimalloc managed memory while this
            // function is running."
            var bits = Header(op).LoadGcBits();
            if ((bits & PyGcBits.Tracked) != 0 && (bits & PyGcBits.Frozen) == 0)
            {
                visit(op);
            }
        }

        _interp.HeadLock.Unlock();
    }

    /// <summary><c>deduce_unreachable_heap</c>: validate, <c>update_refs</c>, mark, scan.</summary>
    private void DeduceUnreachableHeap()
    {
        VisitHeaps("validate_refcounts", ValidateRefcounts);
        VisitHeaps("update_refs", UpdateRefs);
        VisitHeaps("mark_heap_visitor", MarkHeapVisitor);
        VisitHeaps("scan_heap_visitor", ScanHeapVisitor);
    }

    /// <summary>
    /// <c>validate_refcounts</c> (a <c>GC_DEBUG</c> pass of later versions, always on in the model): before the collection,
    /// no object is marked unreachable, a merged object has <c>ob_tid</c> 0, and an unmerged mortal one an owner.
    /// </summary>
    private void ValidateRefcounts(PyObjectPtr op)
    {
        var h = Header(op);
        var tid = h.LoadTid(MemoryOrder.Relaxed);
        var shared = h.LoadShared(MemoryOrder.Relaxed);
        _rt.Check((h.LoadGcBits() & PyGcBits.Unreachable) == 0, $"gc: {op} is marked unreachable before the collection");
        if (RefcountBits.IsMerged(shared))
        {
            _rt.Check(tid == 0, $"gc: merged objects should have ob_tid == 0: {op} has ob_tid={tid} with ob_ref_shared={RefcountBits.Describe(shared)}");
        }
        else if (h.LoadLocal() != RefcountBits.ImmortalRefcntLocal)
        {
            _rt.Check(tid != 0, $"gc: unmerged objects should have ob_tid != 0: {op} has ob_tid=0 with ob_ref_shared={RefcountBits.Describe(shared)}");
        }
    }

    /// <summary>
    /// <c>update_refs</c>: an immortal object leaves the collection (untracked, <c>ob_tid</c> 0); any other gets its
    /// reference count (less <c>_Py_REF_DEFERRED</c> if deferred) added to <c>gc_refs</c> in <c>ob_tid</c>, then one less for
    /// each reference from another GC object (<c>tp_traverse</c> with <c>visit_decref</c>).
    /// </summary>
    private void UpdateRefs(PyObjectPtr op)
    {
        var h = Header(op);

        // Exclude immortal objects from garbage collection.
        if (h.LoadLocal() == RefcountBits.ImmortalRefcntLocal)
        {
            h.StoreTid(0, MemoryOrder.Relaxed);
            h.StoreGcBits(h.LoadGcBits() & ~(PyGcBits.Tracked | PyGcBits.Unreachable));
            return;
        }

        var refcount = PyRefcnt(op);
        if ((h.LoadGcBits() & PyGcBits.Deferred) != 0)
        {
            refcount -= GcObjects.RefDeferred;
        }

        _rt.Check(refcount >= 0, $"gc: {op} has a negative reference count ({refcount}) in update_refs");

        // We repurpose ob_tid to compute "gc_refs", the number of external references to the object. ob_tid is no longer
        // a valid thread id until it is restored by scan_heap_visitor().
        MaybeInitRefs(op);
        h.StoreTid(h.LoadTid(MemoryOrder.Relaxed) + refcount, MemoryOrder.Relaxed); // gc_add_refs

        // Subtract internal references from ob_tid.
        foreach (var child in Children(op))
        {
            VisitDecref(child);
        }
    }

    /// <summary><c>visit_decref</c>: one internal reference less for a tracked, mortal object.</summary>
    private void VisitDecref(PyObjectPtr op)
    {
        var h = Header(op);
        if ((h.LoadGcBits() & PyGcBits.Tracked) != 0 && h.LoadLocal() != RefcountBits.ImmortalRefcntLocal)
        {
            // If update_refs hasn't reached this object yet, mark it as (tentatively) unreachable and initialize ob_tid.
            MaybeInitRefs(op);
            h.StoreTid(h.LoadTid(MemoryOrder.Relaxed) - 1, MemoryOrder.Relaxed);
        }
    }

    /// <summary><c>gc_maybe_init_refs</c>: the first visit marks the object unreachable and zeroes <c>ob_tid</c>.</summary>
    private void MaybeInitRefs(PyObjectPtr op)
    {
        var h = Header(op);
        var bits = h.LoadGcBits();
        if ((bits & PyGcBits.Unreachable) == 0)
        {
            h.StoreGcBits(bits | PyGcBits.Unreachable);
            h.StoreTid(GcRefsBias, MemoryOrder.Relaxed); // op->ob_tid = 0: gc_refs = 0
        }
    }

    /// <summary>
    /// <c>mark_heap_visitor</c>: an object still marked unreachable with outside references (<c>gc_refs</c> &gt; 0) is
    /// reachable, and so is everything it reaches (<c>mark_reachable</c>).
    /// </summary>
    private void MarkHeapVisitor(PyObjectPtr op)
    {
        var h = Header(op);
        if ((h.LoadGcBits() & PyGcBits.Unreachable) == 0)
        {
            return;
        }

        var raw = h.LoadTid(MemoryOrder.Relaxed);
        var gcRefs = raw - GcRefsBias; // gc_get_refs
        if (gcRefs < 0)
        {
            var why = raw < GcRefsBias / 2
                ? $"its ob_tid holds {raw}, not a gc_refs value: another thread wrote it while the collector used it"
                : "more references from GC objects than its count";
            _rt.Fail($"gc: refcount is too small: {op} has gc_refs {gcRefs} ({why})");
        }

        if (gcRefs != 0)
        {
            ClearUnreachable(op);
            MarkReachable(op);
        }
    }

    /// <summary><c>mark_reachable</c> with <c>visit_clear_unreachable</c>: clears the unreachable bit transitively.</summary>
    private void MarkReachable(PyObjectPtr start)
    {
        var stack = new Stack<PyObjectPtr>();
        var op = start;
        while (true)
        {
            foreach (var child in Children(op))
            {
                if ((Header(child).LoadGcBits() & PyGcBits.Unreachable) != 0)
                {
                    ClearUnreachable(child);
                    stack.Push(child);
                }
            }

            if (!stack.TryPop(out op))
            {
                return;
            }
        }
    }

    /// <summary>
    /// <c>scan_heap_visitor</c>: an unreachable object loses deferred counting, is merged with one more reference (the
    /// worklist's) and pushed on the unreachable worklist; a reachable one gets its <c>ob_tid</c> back.
    /// </summary>
    private void ScanHeapVisitor(PyObjectPtr op)
    {
        var h = Header(op);
        if ((h.LoadGcBits() & PyGcBits.Unreachable) != 0)
        {
            DisableDeferredRefcounting(op);

            // Merge and add one to the refcount to prevent deallocation while we are holding on to it in a worklist.
            MergeRefcount(op, 1);
            _unreachable.Push(op);
            return;
        }

        // object is reachable, restore `ob_tid`; we're done with these objects
        RestoreTid(op);
        LongLivedTotal++;
    }

    /// <summary><c>disable_deferred_refcounting</c>: an unreachable deferred object is collected like any other.</summary>
    private void DisableDeferredRefcounting(PyObjectPtr op)
    {
        var h = Header(op);
        var bits = h.LoadGcBits();
        if ((bits & PyGcBits.Deferred) != 0)
        {
            h.StoreGcBits(bits & ~PyGcBits.Deferred);
            h.StoreShared(h.LoadShared(MemoryOrder.Relaxed) - RefcountBits.Shared(GcObjects.RefDeferred, 0), MemoryOrder.Relaxed);
        }
    }
}
