using Sim.Runtime.Cells;

namespace Sim.Model.Mimalloc;

/// <summary>
/// A mimalloc page (<c>mi_page_t</c>): blocks of one size class, created by one heap and carrying its tag. The owning
/// thread allocates and frees its blocks without atomics; other threads free into the atomic <c>xthread_free</c> list,
/// which the owner collects. An empty page of a QSBR heap carries a QSBR goal and sits on its thread's
/// <c>page_list</c> until the goal is reached (<see cref="ObmallocQsbr"/>); then it is freed and its slice can hold a page
/// of another size class or heap.
/// </summary>
/// <remarks>
/// Deviations: one free list instead of <c>free</c> and <c>local_free</c>; no full queue and no <c>retire_expire</c> delay
/// (an empty page goes to <c>_PyMem_mi_page_maybe_free</c> at once). The owner-only fields are plain C# fields, as in C; only <c>xthread_free</c> is shared.
/// </remarks>
public sealed class MiPage
{
    private readonly Stack<MiBlock> _free;
    private volatile MiHeap? _heap;
    private volatile string? _freedBy;

    internal MiPage(MimallocInterpState interp, MiSlice slice, int version, int blockSize, MiHeapTag tag, bool isRaw = false)
    {
        IsRaw = isRaw;
        var runtime = interp.Runtime;
        var locks = interp.Locks;
        var capacity = interp.Design.PageCapacity;
        Interp = interp;
        Slice = slice;
        Version = version;
        Name = $"{slice.Name}v{version}";
        BlockSize = blockSize;
        Tag = tag;
        UseQsbr = tag.UsesQsbr();
        Blocks = [.. Enumerable.Range(0, capacity).Select(i => new MiBlock(runtime, this, i, locks))];
        _free = new Stack<MiBlock>(Blocks.Reverse());
        ThreadFree = new AtomicRef<MiStack<MiBlock>>(runtime, $"{Name}.xthread_free", new MiStack<MiBlock>());
    }

    /// <summary>The interpreter whose heap created the page.</summary>
    public MimallocInterpState Interp { get; }

    /// <summary>The slice the page occupies.</summary>
    public MiSlice Slice { get; }

    /// <summary>Which use of the slice this page is (1 for the first page on it).</summary>
    public int Version { get; }

    /// <summary>The page's name: slice and version (<c>s3v1</c>).</summary>
    public string Name { get; }

    /// <summary><c>xblock_size</c>: the size class.</summary>
    public int BlockSize { get; }

    /// <summary><c>tag</c>: the tag of the heap that created the page.</summary>
    public MiHeapTag Tag { get; }

    /// <summary><c>use_qsbr</c>: set when a QSBR heap creates the page.</summary>
    public bool UseQsbr { get; }

    /// <summary>True for the memory of <see cref="PyMemRaw"/> (the C library's <c>malloc</c>), which no heap owns.</summary>
    public bool IsRaw { get; }

    /// <summary>The heap kind for reports: the tag's name, or <c>malloc</c> for raw memory.</summary>
    public string HeapName => IsRaw ? "C library's malloc" : $"{Tag.Describe()} heap";

    /// <summary>The blocks.</summary>
    public IReadOnlyList<MiBlock> Blocks { get; }

    /// <summary><c>xthread_free</c>: blocks freed by threads other than the owner, waiting to be collected.</summary>
    public AtomicRef<MiStack<MiBlock>> ThreadFree { get; }

    /// <summary>The heap that owns the page, or null while it is abandoned or freed.</summary>
    public MiHeap? Heap => _heap;

    /// <summary>True once the page was freed (<c>_mi_page_free</c>): its blocks are gone, its slice may hold another page.</summary>
    public bool IsFreed => _freedBy is not null;

    /// <summary>The thread that freed the page, for reports.</summary>
    public string? FreedBy => _freedBy;

    /// <summary><c>used</c>: blocks allocated and not yet freed by the owner or collected from <c>xthread_free</c> (owner only).</summary>
    public int Used { get; private set; }

    /// <summary>True if every block is free (<c>mi_page_all_free</c>), as far as the owner has collected.</summary>
    public bool AllFree => Used == 0;

    /// <summary><c>qsbr_goal</c>: the QSBR goal after which the empty page may be freed; 0 for none (owner only).</summary>
    public long QsbrGoal { get; internal set; }

    /// <summary><c>qsbr_node</c>: the page's link in its thread's <c>page_list</c>, or null (owner only).</summary>
    internal LinkedListNode<MiPage>? QsbrNode { get; set; }

    /// <summary>True if the page is on a thread's <c>page_list</c>.</summary>
    public bool IsOnPageList => QsbrNode is not null;

    internal bool HasFreeBlock => _free.Count > 0;

    internal void SetHeap(MiHeap? heap) => _heap = heap;

    internal MiBlock PopFree()
    {
        Used++;
        return _free.Pop();
    }

    /// <summary>The owner's free of one of its blocks (<c>_mi_free_block</c>, local case).</summary>
    internal void PushFree(MiBlock block)
    {
        _free.Push(block);
        Used--;
    }

    /// <summary>
    /// <c>_mi_page_thread_free_collect</c>: takes the <c>xthread_free</c> list with an atomic exchange and moves its blocks to
    /// the free list. Returns true if it collected any.
    /// </summary>
    internal bool CollectThreadFree()
    {
        if (ThreadFree.Load(MemoryOrder.Relaxed)!.IsEmpty)
        {
            return false;
        }

        var freed = ThreadFree.Exchange(new MiStack<MiBlock>(), MemoryOrder.AcquireRelease)!;
        foreach (var block in freed.Items)
        {
            PushFree(block);
        }

        return !freed.IsEmpty;
    }

    /// <summary><c>_mi_free_block_mt</c>: another thread's free, pushed onto <c>xthread_free</c> with a CAS.</summary>
    internal void PushThreadFree(MiBlock block)
    {
        var head = ThreadFree.Load(MemoryOrder.Relaxed);
        while (!ThreadFree.CompareExchange(ref head, head!.Push(block), MemoryOrder.Release))
        {
        }
    }

    internal void MarkFreed(string by) => _freedBy = by;

    /// <summary>One line for reports.</summary>
    public string Describe() => $"page {Name} ({BlockSize}-byte blocks of the {HeapName})";

    /// <inheritdoc/>
    public override string ToString() => Name;
}
