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
