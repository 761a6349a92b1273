using Sim.Model.Interpreter;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Mimalloc;

/// <summary>
/// The "mem" allocator domain of the free-threaded build (<c>PyMem_Malloc</c>, <c>PyMem_Free</c>; <c>_PyMem_MiMalloc</c> and
/// <c>_PyMem_MiFree</c> in <c>Objects/obmalloc.c</c>, 3.13): raw memory from the calling thread's MEM heap, whose pages
/// are not QSBR-delayed. Memory that lock-free readers may still use is freed with <c>_PyMem_FreeDelayed</c>
/// (<see cref="Qsbr.DelayedFree"/>) instead.
/// </summary>
public sealed class PyMem
{
    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;

    internal PyMem(PyInterpreterState interp)
    {
        _interp = interp;
        _rt = interp.Runtime;
    }

    /// <summary><c>PyMem_Malloc</c>: <paramref name="size"/> bytes of raw memory, named <paramref name="label"/> in reports.</summary>
    public MemPtr Malloc(int size, string label)
    {
        using var _ = _rt.Enter($"PyMem_Malloc({label})");
        var allocation = _interp.CurrentThreadState.Mimalloc.Heap(MiHeapTag.Mem).Malloc(size, label, type: null);
        var ptr = new MemPtr(allocation);
        allocation.Ptr = ptr;
        _rt.Note($"{label} is {allocation.Describe()}");
        return ptr;
    }

    /// <summary><c>PyMem_Free</c>.</summary>
    public void Free(MemPtr ptr)
    {
        ArgumentNullException.ThrowIfNull(ptr);
        using var _ = _rt.Enter($"PyMem_Free({ptr})");
        _interp.Mimalloc.Free(ptr.Allocation);
    }

    /// <summary>Reads a pointer word of raw memory (checked: the memory must be allocated).</summary>
    public MiPtr? LoadItem(MemPtr ptr, int index, MemoryOrder order = MemoryOrder.Relaxed)
    {
        ArgumentNullException.ThrowIfNull(ptr);
        var value = ptr.Block.Items[index].Load(order);
        _interp.Mimalloc.Checker.CheckRead(ptr, $"item[{index}]");
        return value;
    }

    /// <summary>Writes a pointer word of raw memory (checked).</summary>
    public void StoreItem(MemPtr ptr, int index, MiPtr? value, MemoryOrder order = MemoryOrder.Relaxed)
    {
        ArgumentNullException.ThrowIfNull(ptr);
        ptr.Block.Items[index].Store(value, order);
        _interp.Mimalloc.Checker.CheckWrite(ptr, $"item[{index}]");
    }

    /// <summary>Reads the size word of raw memory (checked).</summary>
    public long LoadSize(MemPtr ptr, MemoryOrder order = MemoryOrder.Relaxed)
    {
        ArgumentNullException.ThrowIfNull(ptr);
        var value = ptr.Block.Size.Load(order);
        _interp.Mimalloc.Checker.CheckRead(ptr, "size");
        return value;
    }

    /// <summary>Writes the size word of raw memory (checked).</summary>
    public void StoreSize(MemPtr ptr, long value, MemoryOrder order = MemoryOrder.Relaxed)
    {
        ArgumentNullException.ThrowIfNull(ptr);
        ptr.Block.Size.Store(value, order);
        _interp.Mimalloc.Checker.CheckWrite(ptr, "size");
    }
}
