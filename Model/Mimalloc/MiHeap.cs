using Sim.Model.Objects;

namespace Sim.Model.Mimalloc;

/// <summary>
/// A mimalloc heap (<c>mi_heap_t</c>) of one thread: page queues per size class, a tag, and <c>page_use_qsbr</c>. Only its
/// thread allocates from it (<c>mi_heap_malloc</c>), so its queues are plain owner-only state, as in C.
/// </summary>
/// <remarks>
/// Size classes are multiples of 16 bytes (mimalloc's bins are finer); pages hold <see cref="MimallocDesign.PageCapacity"/>
/// blocks. There is no full queue: a full page stays in its queue.
/// </remarks>
public sealed class MiHeap
{
    private readonly Dictionary<int, List<MiPage>> _queues = [];

    internal MiHeap(MimallocThreadState owner, MiHeapTag tag)
    {
        Owner = owner;
        Tag = tag;
        PageUseQsbr = tag.UsesQsbr();
    }

    /// <summary>The thread's mimalloc state (its <c>mi_tld_t</c> is shared by its four heaps).</summary>
    public MimallocThreadState Owner { get; }

    /// <summary><c>tag</c>.</summary>
    public MiHeapTag Tag { get; }

    /// <summary><c>page_use_qsbr</c>: empty pages wait for a QSBR goal before they are freed.</summary>
    public bool PageUseQsbr { get; }

    /// <summary>The heap's pages (owner only).</summary>
    public IEnumerable<MiPage> Pages => _queues.Values.SelectMany(q => q);

    private MimallocInterpState Interp => Owner.Interp;

    /// <summary>The size class of an allocation of <paramref name="size"/> bytes.</summary>
    public static int SizeClass(int size) => Math.Max(16, (size + 15) & ~15);

    /// <summary>
    /// <c>mi_heap_malloc</c> (or <c>mi_heap_zalloc</c> with <paramref name="zeroed"/>): a block of <paramref name="size"/>
    /// bytes for interpreter <paramref name="requester"/>, recorded as <paramref name="label"/>. The isolation invariant is
    /// checked on the page the block comes from (<see cref="MimallocInterpState.CheckIsolation(MiPage, string)"/>).
    /// </summary>
    internal MiAllocation Malloc(MimallocInterpState requester, int size, string label, PyTypeObject? type, bool zeroed = false)
    {
        Interp.Runtime.Check(!Owner.IsAbandoned, $"{Owner.TState}: allocation from a heap that was abandoned at thread exit");
        var page = FindFreePage(SizeClass(size), firstTry: true);
        requester.CheckIsolation(page, $"{Interp.Runtime.CurrentThread} allocates {label} from {this}:");
        var block = page.PopFree();
        var previous = block.LastAllocation;
        var allocation = new MiAllocation(block, label, type, Interp.Runtime.CurrentThread.ToString(), zeroed);
        Interp.Checker.OnAllocate(block, allocation, previous);
        if (zeroed)
        {
            block.ZeroBody(allocation);
        }

        block.SetCurrent(allocation);
        return allocation;
    }

    /// <summary>
    /// The fast path: <c>mi_heap_malloc_small</c> takes the size class's first page (<c>pages_free_direct</c>) and
    /// <c>_mi_page_malloc</c> pops its free list; no QSBR goal is cleared. Otherwise the generic path
    /// (<c>_mi_malloc_generic</c> → <c>mi_find_page</c> → <c>mi_page_queue_find_free_ex</c>): each page of the size class in
    /// turn collects its frees (<see cref="ObmallocQsbr.PageFreeCollect"/>) until one has a free block, whose goal is then
    /// cleared (CPython's <c>_PyMem_mi_page_clear_qsbr</c> on the generic path). With none, process the QSBR page list and
    /// take a fresh page (<c>mi_page_fresh</c>); if that reclaimed an abandoned page of the right size into this heap
    /// instead, look once more.
    /// </summary>
    private MiPage FindFreePage(int blockSize, bool firstTry)
    {
        var queue = Queue(blockSize);
        if (queue.Count > 0 && queue[0].HasFreeBlock)
        {
            return queue[0];
        }

        foreach (var page in queue)
        {
            ObmallocQsbr.PageFreeCollect(page);
            if (page.HasFreeBlock)
            {
                ObmallocQsbr.PageClearQsbr(page);
                return page;
            }
        }

        ObmallocQsbr.HeapCollectQsbr(this);
        if (FreshPage(blockSize) is { } fresh)
        {
            return fresh;
        }

        Interp.Runtime.Check(firstTry, $"{this}: mi_page_fresh reclaimed the right page twice and the queue has none");
        return FindFreePage(blockSize, firstTry: false);
    }

    /// <summary><c>_mi_page_reclaim</c>: a reclaimed page joins this heap's queue for its size class (<c>_PyMem_mi_page_reclaimed</c>).</summary>
    internal void Reclaim(MiPage page)
    {
        Queue(page.BlockSize).Add(page);
        ObmallocQsbr.PageReclaimed(page, Owner);
    }

    /// <summary>
    /// <c>mi_page_fresh</c> → <c>_mi_segment_page_alloc</c>: a new page on a free slice of one of this thread's segments,
    /// reclaimed or allocated if there is none (<see cref="MiSegmentsTld.PageAlloc"/>); null if reclaiming put a page of this
    /// size class with room into this heap.
    /// </summary>
    private MiPage? FreshPage(int blockSize)
    {
        if (Owner.Segments.PageAlloc(this, blockSize) is not { } slice)
        {
            return null;
        }

        var page = new MiPage(Interp, slice, slice.NextVersion(), blockSize, Tag);
        slice.Assign(page);
        page.SetHeap(this);
        Queue(blockSize).Add(page);
        Interp.Runtime.Note($"{Owner.TState} starts {page.Describe()} on slice {slice.Name} of {slice.Segment}");
        return page;
    }

    /// <summary>
    /// <c>_mi_page_retire</c>: the owner freed the last used block. Any previous QSBR goal is void (the page was reused);
    /// <c>_PyMem_mi_page_maybe_free</c> decides whether the page is freed now or waits for a goal.
    /// </summary>
    internal void Retire(MiPage page)
    {
        ObmallocQsbr.PageClearQsbr(page);
        ObmallocQsbr.PageMaybeFree(page, Owner);
    }

    /// <summary>
    /// <c>_mi_page_free</c>: removes an empty page from its queue and frees it (<c>_mi_segment_page_free</c>); its slice is
    /// free for a page of any size class or heap of this thread. <paramref name="via"/> names the function that decided to
    /// free it, for reports.
    /// </summary>
    internal void FreePage(MiPage page, string via)
    {
        Queue(page.BlockSize).Remove(page);
        Owner.Segments.PageFree(page, via);
    }

    /// <summary>
    /// <c>mi_heap_collect_ex(heap, MI_ABANDON)</c>: at thread exit, every empty page is offered to
    /// <c>_PyMem_mi_page_maybe_free</c>; pages that still hold blocks, or wait for their goal, are abandoned into their
    /// segment (<c>_mi_segment_page_abandon</c>), which goes to the pool once all its pages in use are abandoned.
    /// </summary>
    internal void CollectAbandon()
    {
        foreach (var page in Pages.ToList())
        {
            ObmallocQsbr.PageFreeCollect(page);
            if (page.AllFree && ObmallocQsbr.PageMaybeFree(page, Owner))
            {
                continue;
            }

            Queue(page.BlockSize).Remove(page);
            ObmallocQsbr.PageAbandoned(page, Interp.Design);
            page.SetHeap(null);
            Owner.Segments.PageAbandon(page);
        }
    }

    private List<MiPage> Queue(int blockSize)
    {
        if (!_queues.TryGetValue(blockSize, out var queue))
        {
            queue = [];
            _queues[blockSize] = queue;
        }

        return queue;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Tag.Describe()} heap of {Owner.TState}";
}
