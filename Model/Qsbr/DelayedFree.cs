using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Qsbr;

/// <summary>
/// The delayed-free part of <c>Objects/obmalloc.c</c> (3.13, seed "This adds <c>_PyMem_FreeDelayed()</c>"): memory that
/// lock-free readers may still use is queued with a QSBR goal on the freeing thread's <c>mem_free_queue</c> and freed,
/// in order, once the goal is reached; an exiting thread hands its queue to the interpreter's.
/// </summary>
/// <remarks>
/// Deviations: <c>free_delayed</c> frees at once during finalization or with the world stopped, and stops the world if a
/// chunk cannot be allocated; the model has neither (allocation never fails). The GC processes every queue with the
/// world stopped (<see cref="ProcessDelayedWithTheWorldStopped"/>); see also <see cref="QsbrDesign.ProcessDelayedAtPeriodicCheck"/>.
/// </remarks>
public sealed class DelayedFree
{
    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;

    internal DelayedFree(PyInterpreterState interp)
    {
        _interp = interp;
        _rt = interp.Runtime;
        InterpQueue = new MemInterpFreeQueue(interp);
    }

    /// <summary><c>interp-&gt;mem_free_queue</c>.</summary>
    public MemInterpFreeQueue InterpQueue { get; }

    private QsbrDesign Design => _interp.Config.Qsbr;

    /// <summary><c>_PyMem_FreeDelayed</c>: frees raw memory with <c>PyMem_Free</c> once concurrent lock-free readers are done.</summary>
    public void FreeDelayed(MemPtr ptr)
    {
        using var _ = _rt.Enter($"_PyMem_FreeDelayed({ptr})");
        Queue(ptr);
    }

    /// <summary>
    /// <c>_PyObject_FreeDelayed</c> (<c>Objects/obmalloc.c</c>, 3.13): frees an object's memory with <c>PyObject_Free</c> once
    /// concurrent lock-free readers are done (<c>PyObject_GC_Del</c> of a <c>_PyGC_BITS_SHARED_INLINE</c> object).
    /// </summary>
    public void ObjectFreeDelayed(MiPtr op)
    {
        using var _ = _rt.Enter($"_PyObject_FreeDelayed({op})");
        Queue(op);
    }

    /// <summary>
    /// The collector's <c>_PyMem_ProcessDelayed(tstate)</c> for every thread with the world stopped
    /// (<c>process_delayed_frees</c>, <c>Python/gc_free_threading.c</c>): <paramref name="owner"/>'s queue, polled with the
    /// collecting thread's QSBR state <paramref name="current"/> (the only attached one).
    /// </summary>
    internal void ProcessDelayedWithTheWorldStopped(PyThreadState owner, QsbrThreadState current)
    {
        using var _ = _rt.Enter($"_PyMem_ProcessDelayed({owner})");
        ProcessQueue(owner.MemFreeQueue, current, keepEmpty: true);
        ProcessInterpQueue(current);
    }

    /// <summary>
    /// <c>_PyMem_ProcessDelayed</c>: frees the items of the thread's queue whose goals are reached, then, if the
    /// interpreter's queue has work and its mutex is free, the interpreter's.
    /// </summary>
    public void ProcessDelayed(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        using var _ = _rt.Enter("_PyMem_ProcessDelayed");
        ProcessQueue(tstate.MemFreeQueue, tstate.Qsbr!, keepEmpty: true);
        ProcessInterpQueue(tstate.Qsbr!);
    }

    /// <summary>
    /// <c>_PyMem_AbandonDelayed</c>: an exiting thread moves its queue to the interpreter's, under its mutex, and sets
    /// <c>has_work</c>.
    /// </summary>
    public void AbandonDelayed(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        using var _ = _rt.Enter("_PyMem_AbandonDelayed");
        var queue = tstate.MemFreeQueue;
        if (queue.Count == 0)
        {
            return;
        }

        // Check if the queue contains one empty buffer.
        var first = queue.First!.Value;
        if (first.RdIdx == first.WrIdx)
        {
            queue.RemoveFirst();
            _rt.Check(queue.Count == 0, $"{tstate}: _PyMem_AbandonDelayed: an empty chunk before a non-empty one");
            return;
        }

        // Merge the thread's work queue into the interpreter's work queue.
        InterpQueue.Mutex.Lock();
        while (queue.First is { } node)
        {
            queue.RemoveFirst();
            InterpQueue.Head.AddLast(node.Value);
        }

        InterpQueue.HasWork.Store(1, MemoryOrder.Relaxed);
        InterpQueue.Mutex.Unlock();
    }

    /// <summary>Every item waiting in any queue (for the leak check).</summary>
    public IEnumerable<MemWorkItem> PendingForCheck(IEnumerable<PyThreadState> threads) =>
        threads.SelectMany(t => t.MemFreeQueue.ToList().SelectMany(c => c.Pending)).Concat(InterpQueue.PendingForCheck);

    /// <summary><c>free_delayed</c>.</summary>
    private void Queue(MiPtr ptr)
    {
        if (Design.DelayedFree == DelayedFreeProtocol.Immediately)
        {
            FreeWorkItem(new MemWorkItem(ptr, 0));
            return;
        }

        var tstate = _interp.CurrentThreadState;
        var head = tstate.MemFreeQueue;
        var buf = head.Last?.Value;
        if (buf is { IsFull: true })
        {
            buf = null;
        }

        if (buf is null)
        {
            buf = new MemWorkChunk(Design.WorkItemsPerChunk);
            head.AddLast(buf);
        }

        var seq = tstate.Qsbr!.DeferredAdvance();
        buf.Items[buf.WrIdx] = new MemWorkItem(ptr, seq);
        buf.WrIdx++;
        _rt.Note($"{ptr} waits in the delayed-free queue of {tstate} for QSBR goal {seq}");
        if (buf.IsFull)
        {
            ProcessDelayed(tstate);
        }
    }

    /// <summary><c>process_queue</c>: frees items in order until the first whose goal is not reached.</summary>
    private void ProcessQueue(LinkedList<MemWorkChunk> head, QsbrThreadState qsbr, bool keepEmpty)
    {
        while (head.First is { } node)
        {
            var buf = node.Value;
            if (buf.RdIdx < buf.WrIdx)
            {
                var item = buf.Items[buf.RdIdx]!;
                if (!qsbr.Poll(item.QsbrGoal))
                {
                    return;
                }

                // NB: the read index advances before the free, which may re-enter.
                buf.RdIdx++;
                FreeWorkItem(item);
                continue;
            }

            if (keepEmpty && node.Next is null)
            {
                // Keep the last buffer in the queue to reduce re-allocations.
                buf.RdIdx = buf.WrIdx = 0;
                return;
            }

            head.RemoveFirst();
        }
    }

    /// <summary><c>process_interp_queue</c>: processes the interpreter's queue if it has work and its mutex can be taken at once.</summary>
    private void ProcessInterpQueue(QsbrThreadState qsbr)
    {
        if (InterpQueue.HasWork.Load(MemoryOrder.Relaxed) == 0)
        {
            return;
        }

        // Try to acquire the lock, but don't block if it's already held.
        if (InterpQueue.Mutex.LockTimed(0, PyLockFlags.DontDetach) == PyLockStatus.Acquired)
        {
            ProcessQueue(InterpQueue.Head, qsbr, keepEmpty: false);
            InterpQueue.HasWork.Store(InterpQueue.Head.Count > 0 ? 1 : 0, MemoryOrder.Relaxed);
            InterpQueue.Mutex.Unlock();
        }
    }

    /// <summary><c>free_work_item</c>: <c>PyObject_Free</c> or <c>PyMem_Free</c>.</summary>
    private void FreeWorkItem(MemWorkItem item) => _interp.Mimalloc.Free(item.Ptr.Allocation);
}
