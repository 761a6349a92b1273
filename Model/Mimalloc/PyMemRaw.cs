using Sim.Runtime;

namespace Sim.Model.Mimalloc;

/// <summary>
/// The "raw" allocator domain (<c>PyMem_RawCalloc</c>, <c>PyMem_RawFree</c>; <c>MALLOC_ALLOC</c> in <c>Objects/obmalloc.c</c>,
/// 3.13): the C library's <c>malloc</c> in every build, free-threaded included, for memory that must not depend on a thread
/// state, such as QSBR's thread array. Its blocks are watched by the checker as any other (a read or write after
/// <see cref="Free"/> is a use after free; a read of a word never written, unless calloc'd, an uninitialised read).
/// </summary>
/// <remarks>
/// Deviations: <c>malloc</c> is not modelled: each allocation gets a block of its own on a page no heap owns (slices
/// <c>raw0</c>, <c>raw1</c>, ...), never reused, and allocation and free take no scheduling point (<c>malloc</c>'s own locking
/// is not modelled), nor a trace note (callers note what matters). Raw blocks are not part of the end-of-iteration leak
/// check.
/// </remarks>
public sealed class PyMemRaw
{
    private readonly MimallocInterpState _mimalloc;
    private int _next;

    internal PyMemRaw(MimallocInterpState mimalloc) => _mimalloc = mimalloc;

    private SimRuntime Runtime => _mimalloc.Runtime;

    /// <summary><c>PyMem_RawCalloc(count, size)</c>: zeroed memory, named <paramref name="label"/> in reports.</summary>
    public MemPtr Calloc(int count, int size, string label)
    {
        var slice = new MiSlice(Interlocked.Increment(ref _next) - 1, "raw");
        var page = new MiPage(_mimalloc, slice, slice.NextVersion(), MiHeap.SizeClass(count * size), MiHeapTag.Mem, isRaw: true);
        slice.Assign(page);
        var block = page.PopFree();
        var allocation = new MiAllocation(block, label, type: null, Runtime.CurrentThread.ToString(), zeroed: true);
        _mimalloc.Checker.OnAllocate(block, allocation, previous: null);
        block.ZeroBody(allocation);
        block.SetCurrent(allocation);
        var ptr = new MemPtr(allocation);
        allocation.Ptr = ptr;
        return ptr;
    }

    /// <summary><c>PyMem_RawFree</c>.</summary>
    public void Free(MemPtr ptr)
    {
        ArgumentNullException.ThrowIfNull(ptr);
        var allocation = ptr.Allocation;
        _mimalloc.Checker.OnFree(allocation);
        allocation.MarkFreed(Runtime.CurrentThread.ToString());
        allocation.Block.SetCurrent(null);
    }
}
