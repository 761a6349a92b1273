using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Runtime;
using Sim.Runtime.Cells;
using CriticalSectionApi = Sim.Model.CriticalSections.CriticalSection;

namespace Sim.Model.Gc;

/// <summary>
/// GC objects as the collector sees them: instances of a heap type with <c>__slots__</c> (object-pointer members that
/// <c>tp_traverse</c> visits and <c>tp_clear</c> clears), tracked with <c>PyObject_GC_Track</c>; their members read
/// lock-free and written under the object's critical section (<c>PyMember_GetOne</c> / <c>PyMember_SetOne</c> for
/// <c>Py_T_OBJECT_EX</c>, <c>Python/structmember.c</c>, 3.13); and the two counts the collector treats specially:
/// deferred (<c>_PyObject_SetDeferredRefcount</c>) and immortal (<c>_Py_SetImmortal</c>).
/// </summary>
/// <remarks>
/// [version-uncertain] Deferred reference counting is modelled as in 3.13.0 as far as it was read from later sources:
/// <c>_PyObject_SetDeferredRefcount</c> sets <c>_PyGC_BITS_DEFERRED</c> and stores <c>_Py_REF_SHARED(_Py_REF_DEFERRED, 0)</c>
/// in <c>ob_ref_shared</c>, so the count never reaches zero outside the collector, which subtracts
/// <see cref="RefDeferred"/> when it computes <c>gc_refs</c> and disables deferral on unreachable objects. The stored
/// 3.13-era <c>gc_free_threading.c</c> (with <c>generations[]</c>) predates deferred counts; no stack holds deferred
/// references in the model (3.14's <c>gc_visit_thread_stacks</c> is not modelled).
/// </remarks>
public sealed class GcObjects
{
    /// <summary><c>_Py_REF_DEFERRED</c> (<c>PY_SSIZE_T_MAX / 8</c>): the count a deferred object carries for references it does not count.</summary>
    public const long RefDeferred = long.MaxValue / 8;

    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;

    internal GcObjects(PyInterpreterState interp)
    {
        _interp = interp;
        _rt = interp.Runtime;
    }

    private MiHeapChecker Checker => _interp.Mimalloc.Checker;

    /// <summary>
    /// A heap type (a class with <c>__slots__</c>) whose instances have <paramref name="slots"/> object members, body words
    /// 0 to <paramref name="slots"/> − 1: <c>tp_traverse</c> visits them and <c>subtype_dealloc</c> drops them.
    /// <paramref name="finalize"/> is its <c>__del__</c> (<c>tp_finalize</c>), or null. With <paramref name="weakrefs"/>,
    /// the word after the members is <c>__weakref__</c> (<see cref="PyTypeObject.WeaklistWord"/>).
    /// </summary>
    public PyTypeObject NewType(string name, int slots, Action<PyObjectPtr>? finalize = null, bool weakrefs = false)
    {
        var words = Enumerable.Range(0, slots).ToArray();
        var size = PyTypeObject.HeaderSize + (8 * Math.Max(1, slots + (weakrefs ? 1 : 0)));
        return new PyTypeObject(name, size, isGc: true, dealloc: ClearSlots, finalize: finalize)
        {
            Traverse = words,
            WeaklistWord = weakrefs ? slots : -1,
        };
    }

    /// <summary>
    /// <c>type_call</c> of such a class: <c>PyType_GenericAlloc</c> (zeroed, so every member is NULL) and
    /// <c>_PyObject_GC_TRACK</c>. The caller owns the one reference.
    /// </summary>
    public PyObjectPtr New(PyTypeObject type, string label)
    {
        ArgumentNullException.ThrowIfNull(type);
        var op = _interp.Objects.GenericAlloc(type, label);
        Track(op);
        return op;
    }

    /// <summary>Member <paramref name="i"/> of <paramref name="op"/>: the <c>PyObject **</c> the collector and readers load.</summary>
    public PySlot Slot(PyObjectPtr op, int i) => new(op, i, Checker, $"{op}.m{i}");

    /// <summary>
    /// <c>PyMember_SetOne</c> (<c>Py_T_OBJECT_EX</c>): in <paramref name="op"/>'s critical section, a release store of
    /// <paramref name="value"/> (a new reference the caller gives away), then, outside it, the old value's decref.
    /// </summary>
    public void SetSlot(PyObjectPtr op, int i, PyObjectPtr? value)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"PyMember_SetOne({op}.m{i}, {value?.ToString() ?? "NULL"})");
        PyObjectPtr? old;
        using (CriticalSectionApi.Begin(_interp.CurrentThreadState, op))
        {
            var slot = Slot(op, i);
            old = slot.Load(MemoryOrder.Relaxed);
            slot.Store(value, MemoryOrder.Release);
        }

        _interp.Refcount.XDecRef(old);
    }

    /// <summary>
    /// <c>PyMember_GetOne</c> (<c>Py_T_OBJECT_EX</c>, free-threaded): a lock-free load of the member and
    /// <c>_Py_TryIncrefCompare</c>; if that fails, the load and increment again in <paramref name="op"/>'s critical section.
    /// The caller holds a reference to <paramref name="op"/>; the result is a new reference, or null.
    /// </summary>
    public PyObjectPtr? GetSlotRef(PyObjectPtr op, int i)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var _ = _rt.Enter($"PyMember_GetOne({op}.m{i})");
        var slot = Slot(op, i);
        var v = slot.Load(MemoryOrder.SeqCst);
        if (v is null)
        {
            return null;
        }

        if (_interp.Refcount.TryIncrefCompare(slot, ref v))
        {
            return v;
        }

        using (CriticalSectionApi.Begin(_interp.CurrentThreadState, op))
        {
            v = slot.Load(MemoryOrder.Relaxed);
            if (v is not null)
            {
                _interp.Refcount.IncRef(v);
            }
        }

        return v;
    }

    /// <summary><c>_PyObject_GC_TRACK</c>: sets <c>_PyGC_BITS_TRACKED</c>; the collector sees the object from now on.</summary>
    public void Track(PyObjectPtr op)
    {
        var h = _interp.Objects.Header(op);
        h.StoreGcBits(h.LoadGcBits() | PyGcBits.Tracked);
    }

    /// <summary>
    /// <c>_PyObject_SetDeferredRefcount</c>: the owner marks a new, unshared object as using deferred reference counting
    /// (see remarks of <see cref="GcObjects"/>).
    /// </summary>
    public void SetDeferredRefcount(PyObjectPtr op)
    {
        var h = _interp.Objects.Header(op);
        _rt.Check(h.IsOwnedByCurrentThread() && h.LoadShared(MemoryOrder.Relaxed) == 0, $"_PyObject_SetDeferredRefcount({op}): the object must be new and owned by the caller");
        h.StoreGcBits(h.LoadGcBits() | PyGcBits.Deferred);
        h.StoreShared(RefcountBits.Shared(RefDeferred, 0), MemoryOrder.Relaxed);
    }

    /// <summary>
    /// <c>_Py_SetImmortal</c>: untracks the object and gives it the immortal count (<c>ob_tid</c> 0,
    /// <c>ob_ref_local</c> = <c>_Py_IMMORTAL_REFCNT_LOCAL</c>, <c>ob_ref_shared</c> 0); reference counting ignores it from now on.
    /// </summary>
    public void SetImmortal(PyObjectPtr op)
    {
        var h = _interp.Objects.Header(op);
        h.StoreGcBits(h.LoadGcBits() & ~PyGcBits.Tracked);
        h.StoreTid(RefcountBits.UnownedTid, MemoryOrder.Relaxed);
        h.InitializeLocal(RefcountBits.ImmortalRefcntLocal);
        h.StoreShared(0, MemoryOrder.Relaxed);
    }

    /// <summary>
    /// The type's <c>tp_clear</c> (and the member part of <c>subtype_dealloc</c>): each member in turn is set to NULL and
    /// its old value dropped (<c>Py_CLEAR</c>).
    /// </summary>
    internal void ClearSlots(PyObjectPtr op)
    {
        for (var i = 0; i < op.Type.Traverse.Count; i++)
        {
            var slot = Slot(op, op.Type.Traverse[i]);
            var old = slot.Load(MemoryOrder.Relaxed);
            if (old is not null)
            {
                slot.Store(null, MemoryOrder.Release);
                _interp.Refcount.DecRef(old);
            }
        }
    }
}
