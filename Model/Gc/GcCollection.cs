using Sim.Model.Brc;
using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Gc;

/// <summary>
/// One collection of the free-threaded GC: <c>gc_collect_internal</c> with its <c>struct collection_state</c>
/// (<c>Python/gc_free_threading.c</c>, 3.13). With the world stopped: merge every thread's queued refcounts
/// (<c>merge_queued_objects</c>), process every delayed free, then <c>deduce_unreachable_heap</c>: walk the GC heaps and
/// compute <c>gc_refs</c> in <c>ob_tid</c> (<c>update_refs</c>), mark what is reachable from objects with outside references
/// (<c>mark_heap_visitor</c>), and push the rest on the unreachable worklist, linked through <c>ob_tid</c>, each with one
/// more reference, restoring <c>ob_tid</c> of the reachable (<c>scan_heap_visitor</c>, <c>gc_restore_tid</c>); clear the weak
/// references to the garbage (<c>clear_weakrefs</c>). Start the world; drop the merge step's dead objects, call the weakref
/// callbacks and run the finalizers (<c>finalize_garbage</c>); stop the world again to find
/// objects the finalizers resurrected (<c>handle_resurrected_objects</c>); start it; clear and drop the garbage
/// (<c>delete_garbage</c>).
/// </summary>
/// <remarks>
/// <para>
/// Version: the phases follow the stored 3.13-era source (the revision with <c>generations[]</c>,
/// <c>merge_all_queued_objects</c> and <c>_PyMem_ProcessDelayed</c> per thread); immortal and deferred counts as in
/// <see cref="GcObjects"/> [version-uncertain for deferred]. While the world is stopped the collector writes headers
/// with plain stores in C; the model uses the header cells' relaxed accesses, which the memory checker watches.
/// </para>
/// <para>
/// Deviations: no legacy finalizers (<c>tp_del</c>, <c>gc.garbage</c>), no <c>gc.freeze</c>, no tuple or dict untracking,
/// no debug allocator offset, no <c>gc.callbacks</c> or statistics. Weak references are cleared through the weakref model
/// (<see cref="Objects.Weakrefs.PyWeakrefs"/>, merged from its branch); their callbacks run through its hook. The
/// worklist's link in <c>ob_tid</c> is a synthetic address (<see cref="LinkBase"/> upward) that the collection maps back
/// to its object, as C casts it to a pointer; <c>gc_refs</c> is stored biased by <see cref="GcRefsBias"/>. The collector's own invariants are checked as <c>GC_DEBUG</c> builds assert
/// them: <c>gc_refs</c> never negative, merged objects have <c>ob_tid</c> 0 and unmerged ones an owner.
/// </para>
/// </remarks>
internal sealed class GcCollection
{
    /// <summary>The first synthetic address a worklist link stores in <c>ob_tid</c>: never a thread id.</summary>
    public const long LinkBase = 0x7F00_0000_0000;

    /// <summary>
    /// What <c>ob_tid</c> holds for <c>gc_refs</c> = 0. C stores <c>gc_refs</c> itself, which never equals a thread id, since
    /// those are addresses; the model's thread ids are small integers, so it stores <c>gc_refs</c> biased by this.
    /// </summary>
    public const long GcRefsBias = 1L << 40;

    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;
    private readonly PyThreadState _tstate;
    private readonly Dictionary<long, PyObjectPtr> _byLink = [];
    private readonly Dictionary<MiBlock, long> _linkOf = [];
    private readonly Worklist _unreachable;
    private readonly Worklist _objsToDecref;
    private readonly Worklist _wrcbToCall;

    internal GcCollection(PyInterpreterState interp, PyThreadState tstate)
    {
        _interp = interp;
        _rt = interp.Runtime;
        _tstate = tstate;
        _unreachable = new Worklist(this, "unreachable");
        _objsToDecref = new Worklist(this, "objs_to_decref");
        _wrcbToCall = new Worklist(this, "wrcb_to_call");
    }

    /// <summary><c>state-&gt;collected</c>: objects <c>delete_garbage</c> cleared.</summary>
    public int Collected { get; private set; }

    /// <summary><c>state-&gt;long_lived_total</c>: reachable objects found by the walk.</summary>
    public int LongLivedTotal { get; private set; }

    private GcDesign Design => _interp.Config.Gc;

    private bool StopsTheWorld => Design.World == CollectorWorld.StopTheWorld;

    /// <summary><c>gc_collect_internal</c>.</summary>
    public void Run()
    {
        using var _ = _rt.Enter("gc_collect_internal");
        StopTheWorld();
        MergeAllQueuedObjects();
        ProcessDelayedFrees();
        DeduceUnreachableHeap();
        _rt.Note($"gc: {_unreachable.Count} unreachable, {LongLivedTotal} reachable");

        // Clear weakrefs and enqueue callbacks (but do not call them).
        ClearWeakrefs();
        StartTheWorld();

        // Deallocate any object from the refcount merge step.
        CleanupWorklist(_objsToDecref);

        // Call weakref callbacks and finalizers after unpausing other threads to avoid potential deadlocks.
        CallWeakrefCallbacks();
        FinalizeGarbage();

        // Handle any objects that may have resurrected after the finalization.
        StopTheWorld();
        HandleResurrectedObjects();
        StartTheWorld();

        // Call tp_clear on objects in the unreachable set. This will cause the reference cycles to be broken.
        DeleteGarbage();
    }

    private void StopTheWorld()
    {
        if (StopsTheWorld)
        {
            _interp.StopTheWorld();
        }
    }

    private void StartTheWorld()
    {
        if (StopsTheWorld)
        {
            _interp.StartTheWorld();
        }
    }

    private PyObjectHeader Header(PyObjectPtr op) => _interp.Objects.Header(op);

    /// <summary>
    /// <c>merge_all_queued_objects</c> / <c>merge_queued_objects</c>: under <c>HEAD_LOCK</c>, each thread's BRC queue
    /// (both stacks, without the bucket lock: the world is stopped) is merged with −1 for the queue's reference. A dead
    /// GC object is left for the walk to find (cyclic trash with no references); a dead untracked one gets one reference
    /// back and goes on <c>objs_to_decref</c>, to be dropped once the world runs again.
    /// </summary>
    private void MergeAllQueuedObjects()
    {
        _interp.HeadLock.LockDontDetach();
        foreach (var t in _interp.ThreadStatesForCheck)
        {
            var brc = t.Brc;
            BrcThreadState.MergeStacks(brc.LocalObjectsToMerge, brc.ObjectsToMerge);
            while (brc.LocalObjectsToMerge.TryPop(out var op))
            {
                // Subtract one when merging because the queue had a reference.
                var refcount = MergeRefcount(op, -1);
                if ((Header(op).LoadGcBits() & PyGcBits.Tracked) == 0 && refcount == 0)
                {
                    var h = Header(op);
                    h.StoreShared(h.LoadShared(MemoryOrder.Relaxed) + RefcountBits.SharedOne, MemoryOrder.Relaxed);
                    _objsToDecref.Push(op);
                }
            }
        }

        _interp.HeadLock.Unlock();
    }

    /// <summary>
    /// <c>process_delayed_frees</c>: with the world stopped no other thread reads lock-free, so the collector advances
    /// the write sequence, reports its own quiescent state, and processes every thread's delayed-free queue.
    /// </summary>
    private void ProcessDelayedFrees()
    {
        var qsbr = _tstate.Qsbr!;
        _interp.Qsbr.Advance();
        qsbr.QuiescentState();
        _interp.HeadLock.LockDontDetach();
        var threads = _interp.ThreadStatesForCheck.ToArray();
        _interp.HeadLock.Unlock();
        foreach (var t in threads)
        {
            _interp.DelayedFree.ProcessDelayedWithTheWorldStopped(t, qsbr);
        }
    }

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

    /// <summary>
    /// <c>gc_restore_tid</c>: 0 for a merged count; otherwise the thread id of the mimalloc segment the object lives in
    /// (the seed: "The free-threaded GC uses mimallocs segment thread IDs to restore the overwritten ob_tid"), and if that
    /// is 0 (an abandoned segment), the counts are merged.
    /// </summary>
    private void RestoreTid(PyObjectPtr op)
    {
        var h = Header(op);
        if (RefcountBits.IsMerged(h.LoadShared(MemoryOrder.Relaxed)))
        {
            h.StoreTid(0, MemoryOrder.Relaxed);
            return;
        }

        var segmentThreadId = op.Block.Page.Heap?.Owner.TState.ThreadId ?? 0;
        h.StoreTid(segmentThreadId, MemoryOrder.Relaxed);
        if (segmentThreadId == 0)
        {
            MergeRefcount(op, 0);
        }
    }

    /// <summary>
    /// <c>merge_refcount</c>: with the world stopped, plain stores: <c>ob_tid</c> 0, <c>ob_ref_local</c> 0,
    /// <c>ob_ref_shared</c> = the count plus <paramref name="extra"/>, merged. Returns the new count.
    /// </summary>
    private long MergeRefcount(PyObjectPtr op, long extra)
    {
        var refcount = PyRefcnt(op) + extra;
        if (_interp.Config.Refcount.RefDebug)
        {
            _interp.RefTotal.Add(_tstate, extra); // _Py_AddRefTotal
        }

        var h = Header(op);
        h.StoreTid(0, MemoryOrder.Relaxed);
        h.ZeroLocalForMerge();
        h.StoreShared(RefcountBits.Shared(refcount, RefcountBits.Merged), MemoryOrder.Relaxed);
        return refcount;
    }

    /// <summary>
    /// <c>Py_REFCNT</c> as the collector reads it: <c>ob_ref_local</c> plus the shared count, whatever the flags (a merged
    /// object's local count is 0 unless something left it otherwise).
    /// </summary>
    private long PyRefcnt(PyObjectPtr op)
    {
        var h = Header(op);
        var local = h.LoadLocal();
        return local == RefcountBits.ImmortalRefcntLocal ? long.MaxValue : local + RefcountBits.Count(h.LoadShared(MemoryOrder.Relaxed));
    }

    /// <summary>
    /// <c>clear_weakrefs</c>, with the world stopped: an unreachable weakref is cleared (its callback must never run); every
    /// weakref to an unreachable object is cleared (<c>_PyWeakref_ClearRef</c>, no lock needed with the world stopped), and one
    /// with a callback that is not itself unreachable gets a reference and joins <c>wrcb_to_call</c>.
    /// </summary>
    private void ClearWeakrefs()
    {
        using var _ = _rt.Enter("clear_weakrefs");
        var weakrefs = _interp.Weakrefs;
        foreach (var op in _unreachable.Items())
        {
            if (weakrefs.IsWeakref(op))
            {
                weakrefs.ClearRef(weakrefs.AsWeakref(op));
            }

            if (!op.Type.SupportsWeakrefs)
            {
                continue;
            }

            while (weakrefs.ListHead(op) is { } wr)
            {
                weakrefs.ClearRef(wr);
                if (wr.LoadCallback() is null || (Header(wr.Ptr).LoadGcBits() & PyGcBits.Unreachable) != 0)
                {
                    continue;
                }

                // Create a new reference so that wr can't go away before we can process it again.
                MergeRefcount(wr.Ptr, 1);
                _wrcbToCall.Push(wr.Ptr);
            }
        }
    }

    /// <summary>
    /// <c>call_weakref_callbacks</c>, with the world running: each queued weakref's callback is called with it
    /// (<see cref="Objects.Weakrefs.PyWeakrefs.CallbackHook"/>), then the worklist's reference is dropped.
    /// </summary>
    private void CallWeakrefCallbacks()
    {
        var weakrefs = _interp.Weakrefs;
        while (_wrcbToCall.Pop() is { } op)
        {
            var wr = weakrefs.AsWeakref(op);
            if (wr.LoadCallback() is { } callback)
            {
                weakrefs.CallbackHook?.Invoke(wr, callback); // handle_callback's PyObject_CallOneArg(callback, wr)
            }

            _interp.Refcount.DecRef(op); // drop worklist reference
        }
    }

    /// <summary><c>cleanup_worklist</c>: pops each object, restores <c>ob_tid</c>, clears the unreachable bit, drops the reference.</summary>
    private void CleanupWorklist(Worklist worklist)
    {
        while (worklist.Pop() is { } op)
        {
            RestoreTid(op);
            ClearUnreachable(op);
            _interp.Refcount.DecRef(op);
        }
    }

    /// <summary>
    /// <c>finalize_garbage</c>, with the world running: each unreachable object whose <c>tp_finalize</c> has not run gets
    /// FINALIZED and its finalizer, which may lock, take and drop references, and resurrect objects.
    /// </summary>
    private void FinalizeGarbage()
    {
        using var _ = _rt.Enter("finalize_garbage");
        foreach (var op in _unreachable.Items())
        {
            var h = Header(op);
            var bits = h.LoadGcBits();
            if ((bits & PyGcBits.Finalized) == 0 && op.Type.Finalize is { } finalize)
            {
                h.StoreGcBits(bits | PyGcBits.Finalized); // _PyGC_SET_FINALIZED
                finalize(op);
            }
        }
    }

    /// <summary>
    /// <c>handle_resurrected_objects</c>, with the world stopped again: recompute the outside references of each unreachable
    /// object in <c>ob_ref_local</c> (its merged count less the worklist's reference, less each reference from another
    /// unreachable object); an object with any (a finalizer stored a reference somewhere) and all it reaches are
    /// resurrected: they leave the worklist with their header restored (<see cref="ResurrectedHeader"/>).
    /// </summary>
    private void HandleResurrectedObjects()
    {
        using var _ = _rt.Enter("handle_resurrected_objects");
        foreach (var op in _unreachable.Items())
        {
            var h = Header(op);
            if ((h.LoadGcBits() & PyGcBits.Tracked) == 0)
            {
                // Object was untracked by a finalizer. Schedule it for a Py_DECREF after the stop-the-world pause.
                ClearUnreachable(op);
                _unreachable.Remove(op);
                _objsToDecref.Push(op);
                continue;
            }

            var refcount = RefcountBits.Count(h.LoadShared(MemoryOrder.Relaxed));

            // Subtract one to account for the reference from the worklist.
            h.InitializeLocal(unchecked((uint)(h.LoadLocal() + refcount - 1)));
            foreach (var child in Children(op))
            {
                // visit_decref_unreachable
                var c = Header(child);
                if ((c.LoadGcBits() & (PyGcBits.Unreachable | PyGcBits.Tracked)) == (PyGcBits.Unreachable | PyGcBits.Tracked))
                {
                    c.InitializeLocal(unchecked(c.LoadLocal() - 1));
                }
            }
        }

        // Find resurrected objects.
        var anyResurrected = false;
        foreach (var op in _unreachable.Items())
        {
            var h = Header(op);
            var gcRefs = unchecked((int)h.LoadLocal());
            if (Design.Resurrected == ResurrectedHeader.Restore)
            {
                h.InitializeLocal(0); // restore ob_ref_local
            }

            _rt.Check(gcRefs >= 0, $"gc: {op} has gc_refs {gcRefs} after its finalizers ran");
            if ((h.LoadGcBits() & PyGcBits.Unreachable) != 0 && gcRefs > 0)
            {
                anyResurrected = true;
                ClearUnreachable(op);
                MarkReachable(op);
            }
        }

        if (!anyResurrected)
        {
            return;
        }

        // Remove resurrected objects from the unreachable list.
        foreach (var op in _unreachable.Items())
        {
            var h = Header(op);
            if ((h.LoadGcBits() & PyGcBits.Unreachable) != 0)
            {
                continue;
            }

            _rt.Note($"gc: {op} was resurrected by a finalizer");
            if (Design.Resurrected == ResurrectedHeader.Restore)
            {
                _unreachable.Remove(op);
                MergeRefcount(op, -1); // remove worklist reference
            }
            else
            {
                _unreachable.Remove(op, restoreTid: false);
                h.StoreShared(h.LoadShared(MemoryOrder.Relaxed) - RefcountBits.SharedOne, MemoryOrder.Relaxed);
            }
        }
    }

    /// <summary>
    /// <c>delete_garbage</c>, with the world running: each object popped from the worklist (<c>ob_tid</c> back to 0) loses
    /// its unreachable bit and, if still tracked, is cleared (<c>tp_clear</c>, which breaks the cycle); then the worklist's
    /// reference is dropped, which deallocates it once the other members of the cycle have dropped theirs.
    /// </summary>
    private void DeleteGarbage()
    {
        using var _ = _rt.Enter("delete_garbage");
        while (_objsToDecref.Pop() is { } dead)
        {
            _interp.Refcount.DecRef(dead);
        }

        while (_unreachable.Pop() is { } op)
        {
            ClearUnreachable(op);
            if ((Header(op).LoadGcBits() & PyGcBits.Tracked) != 0)
            {
                Collected++;
                _interp.Gc.Objects.ClearSlots(op); // tp_clear
            }

            _interp.Refcount.DecRef(op); // drop the reference from the worklist
        }
    }

    private void ClearUnreachable(PyObjectPtr op)
    {
        var h = Header(op);
        h.StoreGcBits(h.LoadGcBits() & ~PyGcBits.Unreachable);
    }

    /// <summary><c>tp_traverse</c>: the objects in the members the type lists (relaxed loads; NULL members are skipped).</summary>
    private List<PyObjectPtr> Children(PyObjectPtr op)
    {
        var children = new List<PyObjectPtr>();
        foreach (var word in op.Type.Traverse)
        {
            if (_interp.Gc.Objects.Slot(op, word).Load(MemoryOrder.Relaxed) is { } child)
            {
                children.Add(child);
            }
        }

        return children;
    }

    private long LinkOf(PyObjectPtr op)
    {
        if (!_linkOf.TryGetValue(op.Block, out var link))
        {
            link = LinkBase + (16L * (_linkOf.Count + 1));
            _linkOf[op.Block] = link;
            _byLink[link] = op;
        }

        return link;
    }

    /// <summary>
    /// <c>struct worklist</c>: a stack of objects linked through <c>ob_tid</c> (<c>worklist_push</c>, <c>worklist_pop</c>,
    /// <c>worklist_remove</c>); the head is the collector's local variable.
    /// </summary>
    private sealed class Worklist(GcCollection gc, string name)
    {
        private long _head;

        public int Count => Items().Count;

        /// <summary><c>worklist_push</c>: <c>op-&gt;ob_tid = head; head = op</c>.</summary>
        public void Push(PyObjectPtr op)
        {
            gc.Header(op).StoreTid(_head, MemoryOrder.Relaxed);
            _head = gc.LinkOf(op);
        }

        /// <summary><c>worklist_pop</c>: the head, whose <c>ob_tid</c> goes back to 0 (a relaxed atomic store), or null.</summary>
        public PyObjectPtr? Pop()
        {
            if (_head == 0)
            {
                return null;
            }

            var op = gc._byLink[_head];
            var h = gc.Header(op);
            _head = h.LoadTid(MemoryOrder.Relaxed);
            h.StoreTid(0, MemoryOrder.Relaxed);
            return op;
        }

        /// <summary><c>WORKSTACK_FOR_EACH</c>: the objects from the head, following <c>ob_tid</c>.</summary>
        public List<PyObjectPtr> Items()
        {
            var items = new List<PyObjectPtr>();
            for (var link = _head; link != 0;)
            {
                if (!gc._byLink.TryGetValue(link, out var op))
                {
                    gc._rt.Fail($"gc: the {name} worklist is corrupt: a link holds {link}, which is no object's address");
                    return items;
                }

                items.Add(op);
                link = op.Block.ObTid.Peek();
            }

            return items;
        }

        /// <summary><c>worklist_remove</c>: unlinks <paramref name="op"/> and, as C does, zeroes its <c>ob_tid</c>.</summary>
        public void Remove(PyObjectPtr op, bool restoreTid = true)
        {
            var h = gc.Header(op);
            var next = h.LoadTid(MemoryOrder.Relaxed);
            if (_head == gc.LinkOf(op))
            {
                _head = next;
            }
            else
            {
                var prev = Items().First(p => p.Block.ObTid.Peek() == gc.LinkOf(op));
                gc.Header(prev).StoreTid(next, MemoryOrder.Relaxed);
            }

            if (restoreTid)
            {
                h.StoreTid(0, MemoryOrder.Relaxed);
            }
        }
    }
}
