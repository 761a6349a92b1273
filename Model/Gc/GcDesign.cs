namespace Sim.Model.Gc;

/// <summary>
/// How the free-threaded GC counts allocations and starts collections (<c>Python/gc_free_threading.c</c>, 3.13): CPython
/// 3.13's design (<see cref="Cpython313"/>) or the default build's, which is safe only under the GIL.
/// </summary>
public sealed record GcDesign
{
    /// <summary>CPython 3.13, free-threaded build.</summary>
    public static GcDesign Cpython313 { get; } = new();

    /// <summary>How an allocation reaches <c>generations[0].count</c>.</summary>
    public AllocationCounting Counting { get; init; } = AllocationCounting.PerThreadBuffered;

    /// <summary>How <c>gc_collect_main</c> claims <c>gcstate-&gt;collecting</c>.</summary>
    public CollectingClaim Collecting { get; init; } = CollectingClaim.CompareExchange;

    /// <summary>Whether the collection stops the world while it repurposes object headers (<see cref="GcCollection"/>).</summary>
    public CollectorWorld World { get; init; } = CollectorWorld.StopTheWorld;

    /// <summary>What <c>handle_resurrected_objects</c> does to the header of an object a finalizer resurrected.</summary>
    public ResurrectedHeader Resurrected { get; init; } = ResurrectedHeader.Restore;
}

/// <summary>What keeps other threads out of the collector's way.</summary>
public enum CollectorWorld
{
    /// <summary>
    /// CPython 3.13: <c>gc_collect_internal</c> stops the world (<c>_PyEval_StopTheWorld</c>) for the phases that write
    /// <c>ob_tid</c>, <c>ob_ref_local</c> and <c>ob_ref_shared</c> with plain stores and walk the heaps, and again to find
    /// resurrected objects; finalizers and <c>tp_clear</c> run with the world started.
    /// </summary>
    StopTheWorld,

    /// <summary>
    /// The default build's collector (<c>Modules/gcmodule.c</c>, 3.12) in the free-threaded build: it relies on the GIL to keep
    /// every other thread out, so it never stops the world; without the GIL, the other threads run Python code (allocate,
    /// take and drop references) while it walks the heaps and uses <c>ob_tid</c> as scratch.
    /// </summary>
    RunningWorld,
}

/// <summary>How a resurrected object leaves the unreachable worklist.</summary>
public enum ResurrectedHeader
{
    /// <summary>
    /// CPython 3.13 (<c>handle_resurrected_objects</c>): <c>op-&gt;ob_ref_local = 0; // restore ob_ref_local</c>, then
    /// <c>worklist_remove</c> (<c>ob_tid = 0</c>) and <c>merge_refcount(op, -1)</c> (the worklist's reference).
    /// </summary>
    Restore,

    /// <summary>
    /// A plausible broken design (the fields gh-113750 is about, on the collector's path): the object leaves the worklist
    /// and its worklist reference is dropped from the shared count, but <c>ob_ref_local</c> keeps the collector's scratch
    /// count and <c>ob_tid</c> the worklist link, so the object counts references it does not have and no thread owns it.
    /// </summary>
    LeaveScratch,
}

/// <summary>How allocations are counted.</summary>
public enum AllocationCounting
{
    /// <summary>
    /// CPython 3.13 (the seed "The GC keeps track of the number of allocations (less deallocations) since the last GC"):
    /// each thread counts in <c>tstate-&gt;gc.alloc_count</c> and adds the count to <c>generations[0].count</c> with an
    /// atomic add every <c>LOCAL_ALLOC_COUNT_THRESHOLD</c> (512) allocations or deallocations.
    /// </summary>
    PerThreadBuffered,

    /// <summary>
    /// The default build's <c>gcstate-&gt;generations[0].count++</c> on every allocation (<c>_PyObject_GC_Link</c>, 3.12): a
    /// plain read-modify-write that the GIL makes atomic. Without the GIL, concurrent allocations lose counts.
    /// </summary>
    SharedPlainIncrement,
}

/// <summary>How a collection makes sure it is the only one.</summary>
public enum CollectingClaim
{
    /// <summary>CPython 3.13: <c>_Py_atomic_compare_exchange_int(&amp;gcstate-&gt;collecting, &amp;expected, 1)</c>; a loser returns.</summary>
    CompareExchange,

    /// <summary>
    /// The default build's <c>if (gcstate-&gt;collecting) return 0; gcstate-&gt;collecting = 1;</c> (<c>Modules/gcmodule.c</c>,
    /// 3.12): a check then a set, atomic only under the GIL. Without it, two threads both see 0 and both collect.
    /// </summary>
    CheckThenSet,
}
