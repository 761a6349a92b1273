using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects;

/// <summary>
/// Creating and destroying objects: <c>PyObject_New</c> / <c>_PyObject_GC_New</c> with <c>_PyObject_Init</c>
/// (<c>Objects/object.c</c>, <c>Objects/obmalloc.c</c>, 3.13) on the calling thread's object or GC heap, and
/// <c>_Py_Dealloc</c>, which checks that the true count is zero, runs the type's deallocator and frees the memory.
/// </summary>
public sealed partial class PyObjectAllocator
{
    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;

    internal PyObjectAllocator(PyInterpreterState interp)
    {
        _interp = interp;
        _rt = interp.Runtime;
    }

    private MiHeapChecker Checker => _interp.Mimalloc.Checker;

    /// <summary>
    /// <c>PyObject_New</c> (or <c>_PyObject_GC_New</c> for a GC type): a block from the calling thread's
    /// <c>current_object_heap</c> (or GC heap), then <c>new_reference</c>'s plain stores: <c>ob_tid</c> = the caller,
    /// <c>ob_gc_bits</c> = 0, <c>ob_ref_local</c> = 1, <c>ob_ref_shared</c> = 0. The caller owns the new object and its one
    /// reference. The body is not initialised: each field must be written before it is read.
    /// </summary>
    public PyObjectPtr New(PyTypeObject type, string label) => Allocate($"PyObject_New({label})", type, label, zeroed: false);

    /// <summary>
    /// <c>PyType_GenericAlloc</c>: as <see cref="New"/>, but <c>_PyType_AllocNoTrack</c> zeroes the whole object
    /// (<c>memset</c> of the whole object, <c>Objects/typeobject.c</c>, 3.13) before initialising the header, so every body
    /// field reads as 0 or NULL until written.
    /// </summary>
    public PyObjectPtr GenericAlloc(PyTypeObject type, string label) => Allocate($"PyType_GenericAlloc({label})", type, label, zeroed: true);

    private PyObjectPtr Allocate(string operation, PyTypeObject type, string label, bool zeroed)
    {
        ArgumentNullException.ThrowIfNull(type);
        using var _ = _rt.Enter(operation);
        var mimalloc = _interp.CurrentThreadState.Mimalloc;
        var heap = type.IsGc ? mimalloc.Heap(MiHeapTag.Gc) : mimalloc.CurrentObjectHeap;
        var allocation = heap.Malloc(_interp.Mimalloc, type.BasicSize, label, type, zeroed);
        var op = new PyObjectPtr(allocation);
        allocation.Ptr = op;
        var h = new PyObjectHeader(_rt, Checker, op);
        h.StoreTid(h.CurrentTid, MemoryOrder.Relaxed);
        h.StoreGcBits(0);
        h.InitializeLocal(1);
        h.StoreShared(0, MemoryOrder.Relaxed);
        _rt.Note($"{label} is {allocation.Describe()}");
        var tstate = _interp.CurrentThreadState;
        if (_interp.Config.Refcount.RefDebug)
        {
            _interp.RefTotal.Add(tstate, 1); // _Py_NewReference: reftotal_increment(tstate)
        }

        if (type.IsGc)
        {
            _interp.Gc.RecordAllocation(tstate); // _PyObject_GC_Link: record_allocation(tstate)
        }

        return op;
    }

    /// <summary>
    /// <c>_Py_Dealloc</c>: the object's true count must be zero, and the object must not have been freed already; then the
    /// type's deallocator runs and <c>PyObject_Free</c> returns the block to its page.
    /// </summary>
    public void Dealloc(PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"_Py_Dealloc({op})");
        if (op.IsStale)
        {
            _rt.Fail($"{MiHeapChecker.MemoryError}: double free: {_rt.CurrentThread} deallocates {op.Allocation.Describe()}, which {op.Allocation.FreedBy ?? "someone"} already freed");
        }

        var local = unchecked((uint)op.Block.ObRefLocal.Peek());
        var shared = op.Block.ObRefShared.Peek();
        var count = RefcountBits.TrueRefcount(local, shared);
        if (count != 0)
        {
            _rt.Fail($"{MiHeapChecker.MemoryError}: premature free: {_rt.CurrentThread} deallocates {op.Allocation.Describe()} while its true refcount is {count} (ob_ref_local={local}, ob_ref_shared={RefcountBits.Describe(shared)})");
        }

        _rt.Note($"{_rt.CurrentThread} deallocates {op}");
        if (op.Type.Finalize is not null && CallFinalizerFromDealloc(op))
        {
            return; // tp_finalize resurrected it
        }

        op.Type.Dealloc?.Invoke(op);
        Free(op);
    }

    /// <summary>
    /// <c>PyObject_Free</c> (<c>PyObject_GC_Del</c> for a GC type, which first counts a deallocation): returns an object's
    /// block to its page (<c>mi_free</c>).
    /// </summary>
    public void Free(PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (op.Type.IsGc && _interp.Runtime.CurrentThread.ModelState is PyThreadState tstate)
        {
            _interp.Gc.RecordDeallocation(tstate); // PyObject_GC_Del: record_deallocation(tstate)
        }

        _interp.Mimalloc.Free(op.Allocation);
    }

    /// <summary>The header of <paramref name="op"/>, for reads and checks by containers.</summary>
    public PyObjectHeader Header(PyObjectPtr op) => new(_rt, Checker, op);
}
