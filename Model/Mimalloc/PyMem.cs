using Sim.Model.Interpreter;
using Sim.Runtime;

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

    /// <summary>
    /// <c>PyMem_Malloc</c>: <paramref name="size"/> bytes of raw memory, named <paramref name="label"/> in reports. The
    /// memory is not initialised: reading a word before writing it is an <c>uninitialised read</c>.
    /// </summary>
    public MemPtr Malloc(int size, string label) => Allocate($"PyMem_Malloc({label})", size, label, zeroed: false);

    /// <summary>
    /// <c>PyMem_Calloc</c> (<c>_PyMem_MiCalloc</c> → <c>mi_heap_calloc</c>): <paramref name="count"/> elements of
    /// <paramref name="size"/> bytes, zeroed.
    /// </summary>
    public MemPtr Calloc(int count, int size, string label) => Allocate($"PyMem_Calloc({label})", count * size, label, zeroed: true);

    private MemPtr Allocate(string operation, int size, string label, bool zeroed)
    {
        using var _ = _rt.Enter(operation);
        var allocation = _interp.CurrentThreadState.Mimalloc.Heap(MiHeapTag.Mem).Malloc(_interp.Mimalloc, size, label, type: null, zeroed);
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

    /// <summary>The body of <paramref name="ptr"/>'s block, for checked reads and writes of its words.</summary>
    public MiBody Body(MemPtr ptr) => _interp.Mimalloc.Checker.Body(ptr);
}
