using Sim.Model.Interpreter;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Gc;

/// <summary>
/// The scheduling half of the free-threaded GC: <c>interp-&gt;gc</c> (<c>GCState</c>, <c>Include/internal/pycore_gc.h</c>) as
/// far as <c>record_allocation</c>, <c>record_deallocation</c>, <c>gc_should_collect</c>, <c>_Py_ScheduleGC</c>,
/// <c>_Py_RunGC</c> and <c>gc_collect_main</c> (<c>Python/gc_free_threading.c</c>, 3.13) use it. Each thread buffers its
/// allocation count and adds it to <c>generations[0].count</c> every 512; when the count passes the threshold and no
/// collection runs, the thread schedules a collection on itself (<c>_PY_GC_SCHEDULED_BIT</c>), which runs at its next
/// eval-breaker check; <c>collecting</c> makes collections exclusive.
/// </summary>
/// <remarks>
/// The collection itself is <see cref="GcCollection"/>. Only generation 0 is counted; <c>long_lived_total</c> is kept but
/// <c>gc_should_collect</c> does not scale the threshold by it. As in 3.13, <c>generations[0].count = 0</c> is a plain store that may
/// overwrite a concurrent thread's atomic add: the count is the allocations since about the last collection (the seed:
/// "the GC scheduling is not as precise").
/// </remarks>
public sealed class GcState
{
    /// <summary><c>LOCAL_ALLOC_COUNT_THRESHOLD</c>.</summary>
    public const int LocalAllocCountThreshold = 512;

    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;
    private int _collectionsRunning;

    internal GcState(PyInterpreterState interp)
    {
        _interp = interp;
        _rt = interp.Runtime;
        Count = new AtomicInt(_rt, "gcstate->generations[0].count");
        Generation1Count = new PlainCell<int>(_rt, "gcstate->generations[1].count");
        Collecting = new AtomicInt(_rt, "gcstate->collecting");
        Objects = new GcObjects(interp);
    }

    /// <summary>GC objects: types with members the collector traverses, tracking, deferred and immortal counts.</summary>
    public GcObjects Objects { get; }

    /// <summary><c>gcstate-&gt;long_lived_total</c>: reachable objects the last collection found.</summary>
    public int LongLivedTotal { get; private set; }

    /// <summary>How many objects collections have cleared (<c>stats-&gt;collected</c>, for checks).</summary>
    public int CollectedForCheck { get; private set; }

    /// <summary><c>generations[0].count</c>: allocations less deallocations since the last collection.</summary>
    public AtomicInt Count { get; }

    /// <summary><c>generations[1].count</c>: collections of generation 0 since the last of generation 1 (plain, under <c>collecting</c>).</summary>
    public PlainCell<int> Generation1Count { get; }

    /// <summary><c>collecting</c>: 1 while a collection runs.</summary>
    public AtomicInt Collecting { get; }

    /// <summary><c>generations[0].threshold</c> (<c>gc.set_threshold</c>): 2,000 by default.</summary>
    public int Threshold { get; set; } = 2000;

    /// <summary>How many collections have run to the end (for checks).</summary>
    public int CollectionsForCheck { get; private set; }

    private GcDesign Design => _interp.Config.Gc;

    /// <summary>
    /// <c>record_allocation</c> (from <c>_PyObject_GC_Link</c>): one more in the thread's buffer; every
    /// <see cref="LocalAllocCountThreshold"/>, add the buffer to the global count and, if a collection is due and none is
    /// running, schedule one on this thread.
    /// </summary>
    public void RecordAllocation(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        if (Design.Counting == AllocationCounting.SharedPlainIncrement)
        {
            // gcstate->generations[0].count++ (3.12's _PyObject_GC_Link, under the GIL).
            Count.Store(Count.Load(MemoryOrder.Relaxed) + 1, MemoryOrder.Relaxed);
            return;
        }

        // We buffer the allocation count to avoid the overhead of atomic operations for every allocation.
        tstate.GcAllocCount++;
        if (tstate.GcAllocCount < LocalAllocCountThreshold)
        {
            return;
        }

        using var _ = _rt.Enter("record_allocation");
        Count.FetchAdd(tstate.GcAllocCount);
        tstate.GcAllocCount = 0;
        if (ShouldCollect() && Collecting.Load(MemoryOrder.Relaxed) == 0)
        {
            ScheduleGc(tstate);
        }
    }

    /// <summary><c>record_deallocation</c> (from <c>PyObject_GC_Del</c>): one less, flushed every <see cref="LocalAllocCountThreshold"/>.</summary>
    public void RecordDeallocation(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        if (Design.Counting == AllocationCounting.SharedPlainIncrement)
        {
            Count.Store(Count.Load(MemoryOrder.Relaxed) - 1, MemoryOrder.Relaxed);
            return;
        }

        tstate.GcAllocCount--;
        if (tstate.GcAllocCount > -LocalAllocCountThreshold)
        {
            return;
        }

        using var _ = _rt.Enter("record_deallocation");
        Count.FetchAdd(tstate.GcAllocCount);
        tstate.GcAllocCount = 0;
    }

    /// <summary>
    /// <c>_Py_RunGC</c>, from <c>_Py_HandlePending</c> on <c>_PY_GC_SCHEDULED_BIT</c>: <c>gc_collect_main(tstate, 0,
    /// _Py_GC_REASON_HEAP)</c>.
    /// </summary>
    public void RunGc(PyThreadState tstate) => CollectMain(tstate, heapReason: true);

    /// <summary><c>gc.collect()</c> (<c>gc_collect_impl</c> → <c>_PyGC_Collect</c>): <c>gc_collect_main(tstate, 2, _Py_GC_REASON_MANUAL)</c>.</summary>
    public bool Collect(PyThreadState tstate) => CollectMain(tstate, heapReason: false);

    /// <summary>
    /// <c>gc_collect_main</c>: claim <c>collecting</c> (a loser returns: one collection at a time); for a heap-triggered
    /// collection, give up unless the threshold is still exceeded; count one collection of generation 0 in
    /// <c>generations[1].count</c>, reset <c>generations[0].count</c>, collect, release <c>collecting</c>. True if it collected.
    /// </summary>
    public bool CollectMain(PyThreadState tstate, bool heapReason)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        using var _ = _rt.Enter("gc_collect_main");
        if (!ClaimCollecting())
        {
            // Don't start a garbage collection if one is already in progress.
            return false;
        }

        if (heapReason && !ShouldCollect())
        {
            // Don't collect if the threshold is not exceeded.
            Collecting.Store(0);
            return false;
        }

        var running = Interlocked.Increment(ref _collectionsRunning);
        _rt.Check(running == 1, $"two collections at once: {tstate.Thread} starts one while another is running (gcstate->collecting did not keep them apart)");

        // Update collection and allocation counters.
        Generation1Count.Write(Generation1Count.Read() + 1);
        Count.Store(0, MemoryOrder.Relaxed); // gcstate->generations[0].count = 0 (a plain store in 3.13)

        var collection = new GcCollection(_interp, tstate);
        collection.Run(); // gc_collect_internal(interp, &state)
        LongLivedTotal = collection.LongLivedTotal;
        CollectedForCheck += collection.Collected;
        CollectionsForCheck++;
        Interlocked.Decrement(ref _collectionsRunning);
        Collecting.Store(0);
        return true;
    }

    /// <summary>
    /// <c>gc_should_collect</c>: the count is above a non-zero threshold (and above a quarter of the long-lived objects,
    /// none in the model).
    /// </summary>
    private bool ShouldCollect()
    {
        var count = Count.Load(MemoryOrder.Relaxed);
        return count > Threshold && Threshold != 0;
    }

    /// <summary><c>_Py_ScheduleGC</c>: set <c>_PY_GC_SCHEDULED_BIT</c> on the current thread unless it is set already.</summary>
    private static void ScheduleGc(PyThreadState tstate)
    {
        if (!tstate.EvalBreakerBitIsSet(EvalBreakerBits.GcScheduled))
        {
            tstate.SetEvalBreakerBit(EvalBreakerBits.GcScheduled);
        }
    }

    private bool ClaimCollecting()
    {
        if (Design.Collecting == CollectingClaim.CheckThenSet)
        {
            if (Collecting.Load(MemoryOrder.Relaxed) != 0)
            {
                return false;
            }

            Collecting.Store(1, MemoryOrder.Relaxed);
            return true;
        }

        var expected = 0;
        return Collecting.CompareExchange(ref expected, 1);
    }
}
