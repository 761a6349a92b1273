using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Brc;

/// <summary>
/// The biased reference counting inter-thread queue (<c>Python/brc.c</c>, <c>struct _brc_state</c>, 3.13): a table of thread
/// states hashed by thread id. A thread whose decrement would take an object's shared count below zero queues the object
/// to its owner (<see cref="QueueObject"/>), which merges the object's two counts the next time it serves its eval breaker
/// (<see cref="MergeRefcounts"/>). An object whose owner has exited is merged by the queueing thread itself. An exiting
/// thread empties its queue before it leaves the table (<see cref="RemoveThread"/>), because afterwards other threads
/// treat its objects as abandoned.
/// </summary>
/// <remarks>
/// Deviations: pushing onto a queue never fails, so the stop-the-world fallback of <c>_Py_brc_queue_object</c> is not
/// modelled; the GC's merge of every queue is not modelled either.
/// </remarks>
public sealed class BrcState
{
    /// <summary><c>_Py_BRC_NUM_BUCKETS</c>.</summary>
    public const int NumBuckets = 257;

    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;
    private readonly BrcBucket[] _table;

    internal BrcState(PyInterpreterState interp)
    {
        _interp = interp;
        _rt = interp.Runtime;
        _table = [.. Enumerable.Range(0, NumBuckets).Select(i => new BrcBucket(_rt, i, interp.Config.Locks))];
    }

    /// <summary><c>table</c>.</summary>
    public IReadOnlyList<BrcBucket> Table => _table;

    private PyRefcount Refcount => _interp.Refcount;

    /// <summary><c>get_bucket</c>.</summary>
    public BrcBucket GetBucket(long tid) => _table[(int)((ulong)tid % NumBuckets)];

    /// <summary>
    /// <c>_Py_brc_queue_object</c>: enqueues <paramref name="op"/> for its owner to merge, stealing the caller's reference. If
    /// the owner already merged (<c>ob_tid</c> is 0) this is a plain decref; if the owner has left the table, the caller
    /// merges with −1 itself; otherwise it pushes the object and sets the owner's explicit-merge bit.
    /// </summary>
    public void QueueObject(PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"_Py_brc_queue_object({op})");
        var obTid = _interp.Objects.Header(op).LoadTid(MemoryOrder.SeqCst);
        if (obTid == 0)
        {
            // The owning thread may have concurrently decided to merge the refcount fields.
            Refcount.DecRef(op);
            return;
        }

        var bucket = GetBucket(obTid);
        bucket.Mutex.Lock();
        var owner = bucket.Find(obTid);
        if (owner is null)
        {
            // If we didn't find the owning thread then it must have already exited. It's safe (and necessary) to merge
            // the refcount. Subtract one when merging because we've stolen a reference.
            var refcount = Refcount.ExplicitMergeRefcount(op, -1);
            bucket.Mutex.Unlock();
            if (refcount == 0)
            {
                _interp.Objects.Dealloc(op);
            }

            return;
        }

        owner.ObjectsToMerge.Push(op);
        _rt.Note($"{op} queued to {owner.TState} for a merge");

        // Notify the owning thread.
        owner.TState.SetEvalBreakerBit(EvalBreakerBits.ExplicitMerge); // _Py_set_eval_breaker_bit(tstate, _PY_EVAL_EXPLICIT_MERGE_BIT)
        bucket.Mutex.Unlock();
    }

    /// <summary>
    /// <c>_Py_brc_merge_refcounts</c>: the owner takes its queue under the bucket mutex, then, without it (destructors may
    /// run), merges each object with −1 for the queue's reference and deallocates those that reach zero.
    /// </summary>
    public void MergeRefcounts(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        using var _ = _rt.Enter("_Py_brc_merge_refcounts");
        var brc = tstate.Brc;
        _rt.Check(brc.Tid == _rt.CurrentThread.Id, $"{tstate}: _Py_brc_merge_refcounts called by {_rt.CurrentThread}");
        var bucket = GetBucket(brc.Tid);

        // Append all objects into a local stack. We don't want to hold the lock while calling destructors.
        bucket.Mutex.Lock();
        BrcThreadState.MergeStacks(brc.LocalObjectsToMerge, brc.ObjectsToMerge);
        bucket.Mutex.Unlock();

        MergeQueuedObjects(brc);
    }

    /// <summary><c>_Py_brc_init_thread</c>: adds the thread to its bucket under the bucket mutex.</summary>
    public void InitThread(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        using var _ = _rt.Enter("_Py_brc_init_thread");
        var brc = tstate.Brc;
        var tid = tstate.ThreadId;
        var bucket = GetBucket(tid);
        bucket.Mutex.Lock();
        brc.Tid = tid;
        bucket.Insert(brc);
        brc.IsInTable = true;
        bucket.Mutex.Unlock();
    }

    /// <summary>
    /// <c>_Py_brc_remove_thread</c>: merges every queued object before leaving the table. Under the bucket mutex it leaves
    /// only if nothing was queued meanwhile; otherwise it takes the new entries and goes round again. After this no
    /// refcount operation of the thread is safe: others treat its objects as abandoned.
    /// </summary>
    public void RemoveThread(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        using var _ = _rt.Enter("_Py_brc_remove_thread");
        var brc = tstate.Brc;
        if (brc.Tid == 0)
        {
            // Never bound to a native thread, so never added to the table.
            return;
        }

        var bucket = GetBucket(brc.Tid);
        if (_interp.Config.Refcount.RemoveThread == BrcRemoveThread.MergeThenUnlink)
        {
            MergeRefcounts(tstate);
            bucket.Mutex.Lock();
            bucket.Remove(brc);
            brc.IsInTable = false;
            bucket.Mutex.Unlock();
            return;
        }

        var empty = false;
        while (!empty)
        {
            // Process the local stack until it's empty.
            MergeQueuedObjects(brc);

            bucket.Mutex.Lock();
            empty = brc.ObjectsToMerge.Count == 0;
            if (empty)
            {
                bucket.Remove(brc);
                brc.IsInTable = false;
            }
            else
            {
                BrcThreadState.MergeStacks(brc.LocalObjectsToMerge, brc.ObjectsToMerge);
            }

            bucket.Mutex.Unlock();
        }

        _rt.Check(brc.LocalObjectsToMerge.Count == 0 && brc.ObjectsToMerge.Count == 0, $"{tstate}: _Py_brc_remove_thread left objects queued");
    }

    /// <summary><c>merge_queued_objects</c>: pops each object, merges with −1 (the queue's reference), deallocates at zero.</summary>
    private void MergeQueuedObjects(BrcThreadState brc)
    {
        while (brc.LocalObjectsToMerge.TryPop(out var op))
        {
            // Subtract one when merging because the queue had a reference.
            var refcount = Refcount.ExplicitMergeRefcount(op, -1);
            if (refcount == 0)
            {
                _interp.Objects.Dealloc(op);
            }
        }
    }
}
