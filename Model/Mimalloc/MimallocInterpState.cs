using Sim.Model.Interpreter;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Mimalloc;

/// <summary>
/// The interpreter's mimalloc state (<c>interp-&gt;mimalloc</c>, 3.13): the pool of abandoned segments; plus, in the model, the
/// arena the pages come from and the checker that knows every block. Also <c>mi_free</c>, which any thread may call on any
/// block.
/// </summary>
public sealed class MimallocInterpState
{
    private readonly PyInterpreterState _interp;

    internal MimallocInterpState(PyInterpreterState interp, MimallocInterpState? main)
    {
        _interp = interp;
        Runtime = interp.Runtime;
        Arena = new MiArena(this);
        Abandoned = main is not null && Design.AbandonedPool == AbandonedPoolScope.ProcessWide
            ? main.Abandoned
            : new MiAbandonedPool(Runtime, interp.Id);
        Checker = new MiHeapChecker(Runtime, IsCurrentThreadQsbrOnline);
        Raw = new PyMemRaw(this);
    }

    /// <summary>The runtime.</summary>
    public SimRuntime Runtime { get; }

    /// <summary>The interpreter's id (<c>interp-&gt;id</c>), for reports.</summary>
    public long InterpId => _interp.Id;

    /// <summary>The heap's design (read once per decision).</summary>
    public MimallocDesign Design => _interp.Config.Mimalloc;

    /// <summary>The lock design of the objects' <c>ob_mutex</c>.</summary>
    public Locks.LockDesign Locks => _interp.Config.Locks;

    /// <summary>The memory segments are carved from.</summary>
    public MiArena Arena { get; }

    /// <summary><c>abandoned_pool</c>.</summary>
    public MiAbandonedPool Abandoned { get; }

    /// <summary>The checker.</summary>
    public MiHeapChecker Checker { get; }

    /// <summary>The raw domain (<c>PyMem_RawCalloc</c>, <c>PyMem_RawFree</c>), whose blocks this checker watches too.</summary>
    public PyMemRaw Raw { get; }

    /// <summary>
    /// True if the calling thread is attached to QSBR (its <c>qsbr-&gt;seq</c> is not <c>QSBR_OFFLINE</c>): the checker's
    /// condition for a type-stable read. Instrumentation: a peek, not a scheduling point.
    /// </summary>
    private bool IsCurrentThreadQsbrOnline() =>
        Runtime.CurrentThread.ModelState is PyThreadState { Qsbr: { } qsbr } && qsbr.Seq.Peek() != 0;

    /// <summary>
    /// The isolation invariant of gh-112532 ("We want heaps to only store Python objects from a single interpreter"), checked
    /// where a page meets a heap of this interpreter: when a thread of this interpreter allocates from it, checks it or
    /// reclaims it from the abandoned pool. The page must be this interpreter's. <paramref name="what"/> says who does what
    /// to the page, for the report.
    /// </summary>
    internal void CheckIsolation(MiPage page, string what)
    {
        if (!ReferenceEquals(page.Interp, this))
        {
            Runtime.Fail($"{MiHeapChecker.MemoryError}: isolation: {what} {page.Describe()} of interp {page.Interp.InterpId}, for interp {InterpId}: a heap must hold the objects of one interpreter only");
        }
    }

    /// <summary>
    /// The isolation invariant at segment granularity: a segment that a thread of this interpreter checks or reclaims from
    /// the abandoned pool must be this interpreter's.
    /// </summary>
    internal void CheckIsolation(MiSegment segment, string what)
    {
        if (!ReferenceEquals(segment.Interp, this))
        {
            Runtime.Fail($"{MiHeapChecker.MemoryError}: isolation: {what} {segment.Describe()} of interp {segment.Interp.InterpId}, for interp {InterpId}: a heap must hold the objects of one interpreter only");
        }
    }

    /// <summary>The calling thread's mimalloc state.</summary>
    public MimallocThreadState Current => _interp.CurrentThreadState.Mimalloc;

    /// <summary>
    /// <c>mi_free</c>: frees a block. The owner pushes it on the page's free list and retires the page when it empties
    /// (<c>_mi_page_retire</c>); any other thread, or any free into an abandoned page, pushes it onto the page's
    /// <c>xthread_free</c> list. The free-list link is written over the block's first word, <c>ob_tid</c>.
    /// </summary>
    public void Free(MiAllocation allocation)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        using var _ = Runtime.Enter($"mi_free({allocation.Label})");
        Checker.OnFree(allocation);
        allocation.MarkFreed(Runtime.CurrentThread.ToString());
        var block = allocation.Block;
        block.SetCurrent(null);
        if (allocation.IsObject)
        {
            block.ObTid.Store(FreeListLink(block), MemoryOrder.Relaxed);
            if (Design.FreedHeader == FreedHeader.PoisonWithDebugBytes)
            {
                block.ObRefLocal.Store(unchecked((int)DebugFreeByte32), MemoryOrder.Relaxed);
                block.ObRefShared.Store(DebugFreeByte64, MemoryOrder.Relaxed);
            }
        }

        var page = block.Page;
        var me = _interp.CurrentThreadState.Mimalloc;
        if (page.Heap is { } heap && ReferenceEquals(heap.Owner, me))
        {
            page.PushFree(block);
            if (page.AllFree)
            {
                heap.Retire(page);
            }
        }
        else
        {
            page.PushThreadFree(block);
        }
    }

    /// <summary>The <c>0xDD</c> fill of a freed 32-bit field in debug builds (<c>PYMEM_DEADBYTE</c>).</summary>
    public const uint DebugFreeByte32 = 0xDDDDDDDD;

    /// <summary>The <c>0xDD</c> fill of a freed 64-bit field in debug builds.</summary>
    public const long DebugFreeByte64 = unchecked((long)0xDDDDDDDDDDDDDDDD);

    /// <summary>
    /// The value mimalloc's free-list link leaves in <c>ob_tid</c>: a heap address, never a thread id
    /// (<c>_Py_ThreadId()</c> is the address of a thread-local variable).
    /// </summary>
    public static long FreeListLink(MiBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        return 0x7F00_0000_0000L | ((long)block.Page.Slice.Index << 16) | ((long)block.Page.Version << 8) | (long)block.Index;
    }
}
