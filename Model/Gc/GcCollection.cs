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
/// callbacks and run the finalizers (<c>finalize_garbage</c>); stop the world again to find objects the finalizers
/// resurrected (<c>handle_resurrected_objects</c>); start it; clear and drop the garbage (<c>delete_garbage</c>).
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
/// to its object, as C casts it to a pointer; <c>gc_refs</c> is stored biased by <see cref="GcRefsBias"/>. The collector's
/// own invariants are checked as <c>GC_DEBUG</c> builds assert them: <c>gc_refs</c> never negative, merged objects have
/// <c>ob_tid</c> 0 and unmerged ones an owner.
/// </para>
/// </remarks>
internal sealed partial class GcCollection
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
    private readonly Dictionary<MiAllocation, long> _linkOf = [];
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
        if (!_linkOf.TryGetValue(op.Allocation, out var link))
        {
            link = LinkBase + (16L * (_linkOf.Count + 1));
            _linkOf[op.Allocation] = link;
            _byLink[link] = op;
        }

        return link;
    }
}
