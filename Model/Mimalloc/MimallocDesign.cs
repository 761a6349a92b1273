namespace Sim.Model.Mimalloc;

/// <summary>
/// How the simulated mimalloc heap behaves: CPython 3.13's design (<see cref="Cpython313"/>), or one of the broken designs
/// the memory scenarios need. Read in one place each: the page-retire hook (<see cref="PageReuse"/>), the free path
/// (<see cref="FreedHeader"/>), the abandon path (<see cref="AbandonedEmptyPages"/>) and the reclaim path
/// (<see cref="Reclaim"/>).
/// </summary>
public sealed record MimallocDesign
{
    /// <summary>CPython 3.13, free-threaded build.</summary>
    public static MimallocDesign Cpython313 { get; } = new();

    /// <summary>
    /// How many blocks a page holds. A model size, not a CPython constant: real pages hold 64 KiB of blocks; a few
    /// blocks are enough for a page to fill, empty and be reused within a scenario.
    /// </summary>
    public int PageCapacity { get; init; } = 4;

    /// <summary>
    /// How many page slices a segment holds (<c>MI_SEGMENT_SIZE / MI_SEGMENT_SLICE_SIZE</c>). A model size, not a CPython
    /// constant: real segments hold 512 slices of 64 KiB; a few are enough for a thread's segments to fill up, so that it
    /// reclaims abandoned segments within a scenario.
    /// </summary>
    public int SegmentSlices { get; init; } = 4;

    /// <summary>What happens to a page of a QSBR heap that becomes empty.</summary>
    public PageReuse PageReuse { get; init; } = PageReuse.DelayedByQsbr;

    /// <summary>What a free does to the object header in the block.</summary>
    public FreedHeader FreedHeader { get; init; } = FreedHeader.RefcountFieldsIntact;

    /// <summary>What abandoning a thread's heaps does to an empty page that still waits for its QSBR goal.</summary>
    public AbandonedEmptyPages AbandonedEmptyPages { get; init; } = AbandonedEmptyPages.KeepGoal;

    /// <summary>Whose abandoned pool an exiting thread's pages go to: its interpreter's (gh-112532) or the process's.</summary>
    public AbandonedPoolScope AbandonedPool { get; init; } = AbandonedPoolScope.PerInterpreter;

    /// <summary>Which heap may reclaim an abandoned page.</summary>
    public ReclaimPolicy Reclaim { get; init; } = ReclaimPolicy.SameTagOnly;

    /// <summary>Whose heaps a thread state allocates from: its own (gh-112532) or its OS thread's.</summary>
    public ThreadHeapScope ThreadHeaps { get; init; } = ThreadHeapScope.PerThreadState;

    /// <summary>What reclaiming does with an abandoned QSBR page that other threads emptied, which has no goal.</summary>
    public EmptiedAbandonedPage EmptiedAbandonedPage { get; init; } = EmptiedAbandonedPage.FreeWhenNoGoal;
}

/// <summary>What <c>_mi_page_retire</c> does with an empty page of a heap that has <c>page_use_qsbr</c>.</summary>
public enum PageReuse
{
    /// <summary>
    /// CPython 3.13 (gh-115103, PR #115435): <c>_PyMem_mi_page_maybe_free</c> frees the page only if its QSBR goal was
    /// reached; otherwise it tags the page with a goal and keeps it on the thread's <c>page_list</c>, still usable for
    /// blocks of the same size class.
    /// </summary>
    DelayedByQsbr,

    /// <summary>
    /// Broken (<c>page-free-now</c>, the behaviour PR #115435 replaced): an empty page is freed at once, so its memory can
    /// be reused for another size class or heap while a lock-free reader still holds a pointer into it.
    /// </summary>
    Immediate,
}

/// <summary>What freeing a block writes into the memory of the object that lived there.</summary>
public enum FreedHeader
{
    /// <summary>
    /// CPython 3.13: mimalloc writes its free-list link over the first word (<c>ob_tid</c>, which then never equals a thread
    /// id) and leaves <c>ob_ref_local</c> and <c>ob_ref_shared</c> as they were, so a lock-free reader's
    /// <c>_Py_TryIncRefShared</c> sees a dead count and fails.
    /// </summary>
    RefcountFieldsIntact,

    /// <summary>
    /// Broken (<c>debug-poison-header</c>, the debug fill the seed change "avoids filling the memory occupied by ob_tid,
    /// ob_ref_local, and ob_ref_shared with debug bytes" removed): the free fills the header with <c>0xDD</c> bytes, so
    /// <c>ob_ref_shared</c> reads as a live count and a reader's conditional increment "succeeds" on freed memory.
    /// </summary>
    PoisonWithDebugBytes,
}

/// <summary>What <c>_mi_heap_collect_abandon</c> does with an empty page that waits for its QSBR goal.</summary>
public enum AbandonedEmptyPages
{
    /// <summary>
    /// CPython 3.13: the page is abandoned with its goal; the heap that reclaims it puts it on its own <c>page_list</c>
    /// (<c>_PyMem_mi_page_reclaimed</c>) and frees it only once the goal is reached.
    /// </summary>
    KeepGoal,

    /// <summary>
    /// Broken (<c>abandon-drops-goal</c>, the "additional logic to handle abandoned pages when threads exit" left out):
    /// the goal is cleared when the page is abandoned, so the reclaiming thread frees the empty page at once.
    /// </summary>
    ClearGoal,
}

/// <summary>Where abandoned segments go (<c>tld-&gt;segments.abandoned</c>, set by <c>tstate_mimalloc_bind</c>).</summary>
public enum AbandonedPoolScope
{
    /// <summary>
    /// CPython 3.13 (gh-112532, "Isolate abandoned segments by interpreter"): <c>interp-&gt;mimalloc.abandoned_pool</c>, so
    /// a thread reclaims only pages of its own interpreter and a heap holds objects of one interpreter only.
    /// </summary>
    PerInterpreter,

    /// <summary>
    /// Broken (<c>process-wide-pool</c>, mimalloc's global <c>abandoned</c> list before gh-112532): a thread of one
    /// interpreter can reclaim another interpreter's page, whose objects its interpreter's GC would then find and free.
    /// </summary>
    ProcessWide,
}

/// <summary>Whose heaps and <c>mi_tld_t</c> a thread state allocates from.</summary>
public enum ThreadHeapScope
{
    /// <summary>
    /// CPython 3.13 (gh-112532, "Use separate mimalloc heaps for GC objects": "<c>mi_heap_t</c> and <c>mi_tld_t</c>
    /// initialization is split from allocation. This allows us to have a <c>mi_tld_t</c> per-<c>PyThreadState</c>, which is
    /// important to keep interpreter isolation, since the same OS thread may run in multiple interpreters"):
    /// <c>tstate_mimalloc_bind</c> gives every thread state its own four heaps and tld, bound to its interpreter's pool.
    /// </summary>
    PerThreadState,

    /// <summary>
    /// Broken (<c>heap-per-os-thread</c>, mimalloc's thread-local default heap before gh-112532): one OS thread has one set of
    /// heaps, whichever interpreter it runs in, so the objects of two interpreters share its pages.
    /// </summary>
    PerOsThread,
}

/// <summary>Which of the reclaiming thread's heaps each page of a reclaimed segment joins (<c>mi_segment_reclaim</c>).</summary>
public enum ReclaimPolicy
{
    /// <summary>CPython 3.13 (gh-112532): the heap of the page's tag (<c>mi_heap_by_tag</c>).</summary>
    SameTagOnly,

    /// <summary>
    /// Broken (<c>reclaim-ignores-tag</c>, mimalloc 2.1.2 before gh-112532: <c>mi_page_set_heap(page, heap)</c>): every page
    /// joins the heap that asked, so an object page can end up in the MEM heap, which does not delay reuse, and serve raw
    /// allocations, and a GC page in a heap the GC does not walk.
    /// </summary>
    AnyTag,
}

/// <summary>
/// What <c>_PyMem_mi_page_is_safe_to_free</c> decides for an abandoned page of a QSBR heap that is empty when
/// <c>mi_segment_check_free</c> or <c>mi_segment_reclaim</c> looks at it but has no goal: it still held blocks when its
/// thread exited, and other threads freed them since (their frees go to <c>xthread_free</c> and never through
/// <c>_PyMem_mi_page_maybe_free</c>; collecting them clears any goal). Flags: where the candidate fix applies.
/// </summary>
[Flags]
public enum EmptiedAbandonedPage
{
    /// <summary>
    /// CPython 3.13 (<c>_PyMem_mi_page_is_safe_to_free</c>, <c>Objects/obmalloc.c</c>; its two callers in
    /// <c>Objects/mimalloc/segment.c</c>): no goal means safe, so the page is freed at once, while a lock-free reader may
    /// still hold a pointer to the object that was freed last. See the <c>abandoned-page-cross-thread-free</c> scenario.
    /// </summary>
    FreeWhenNoGoal = 0,

    /// <summary>
    /// The candidate fix in <c>mi_segment_check_free</c> only (a partial fix): an empty QSBR page without a goal is given
    /// one from <c>_Py_qsbr_deferred_advance</c> and kept, as <c>_PyMem_mi_page_maybe_free</c> does for a page its owner
    /// empties. <c>mi_segment_reclaim</c> still frees such a page.
    /// </summary>
    GoalInCheckFree = 1,

    /// <summary>The candidate fix in <c>mi_segment_reclaim</c> only (a partial fix): <c>mi_segment_check_free</c> still frees the page.</summary>
    GoalInReclaim = 2,

    /// <summary>The candidate fix in both functions: no emptied abandoned page is freed without a QSBR wait.</summary>
    GiveNewGoal = GoalInCheckFree | GoalInReclaim,
}
