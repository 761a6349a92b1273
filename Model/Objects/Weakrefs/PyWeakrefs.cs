using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects.Weakrefs;

/// <summary>
/// Weak references in the free-threaded build (<c>Objects/weakrefobject.c</c>, <c>Include/internal/pycore_weakref.h</c>,
/// 3.13; gh-111926, the seed "Most mutable data is protected by a striped lock that is keyed on the referenced object's
/// address. The weakref's hash is protected using the weakref's per-object lock."): the interpreter's
/// <c>weakref_locks[NUM_WEAKREF_LIST_LOCKS]</c>, the <c>weakref.ReferenceType</c> type, creation (<c>PyWeakref_NewRef</c>,
/// <c>get_or_create_weakref</c>), the lock-free-then-locked dereference (<c>_PyWeakref_GET_REF</c>, <c>PyWeakref_GetRef</c>),
/// <c>weakref_hash</c>, and the clearing done by the referent's dealloc (<c>PyObject_ClearWeakRefs</c>), by the weakref's
/// own dealloc (<c>clear_weakref</c>) and by the GC with the world stopped (<c>_PyWeakref_ClearRef</c>).
/// </summary>
/// <remarks>
/// <para>
/// The striped lock guards the referent's list head (<c>tp_weaklistoffset</c>), every weakref's <c>wr_prev</c>/<c>wr_next</c>
/// and <c>wr_object</c>; it is taken with <c>_Py_LOCK_DONT_DETACH</c>, so nothing that may suspend runs under it. A weakref
/// and its referent hold only borrowed references to each other; the referent's memory stays valid while a thread holds
/// the stripe and finds <c>wr_object</c> still pointing to it, because the referent's dealloc clears every weakref under
/// the same stripe before the memory is freed.
/// </para>
/// <para>
/// [version-uncertain] Read from a later copy of <c>weakrefobject.c</c> and <c>pycore_weakref.h</c> in the index (its
/// <c>_Py_TryIncref</c> takes two arguments); the functions modelled here have the same structure in 3.13 as far as the
/// gh-111926 PRs show. Deviations: only the basic <c>ref</c> type and refs with callbacks (no proxies, no subclasses);
/// <c>Py_None</c> is NULL (<see cref="PyWeakReference"/>); a callback is an object whose call the scenario supplies
/// (<see cref="CallbackHook"/>); the referent's hash is <c>_Py_HashPointer</c> of its block's address;
/// <c>NUM_WEAKREF_LIST_LOCKS</c> is 127 as in 3.13, each stripe created on first use.
/// </para>
/// </remarks>
public sealed partial class PyWeakrefs
{
    /// <summary><c>NUM_WEAKREF_LIST_LOCKS</c> (<c>Include/internal/pycore_interp.h</c>, 3.13).</summary>
    public const int NumWeakrefListLocks = 127;

    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;
    private readonly PyMutex?[] _weakrefLocks = new PyMutex?[NumWeakrefListLocks];

    internal PyWeakrefs(PyInterpreterState interp)
    {
        _interp = interp;
        _rt = interp.Runtime;
        RefType = new PyTypeObject("weakref.ReferenceType", PyWeakReference.BasicSize, isGc: true, dealloc: WeakrefDealloc);
    }

    /// <summary><c>_PyWeakref_RefType</c>: <c>weakref.ref</c>, a GC type whose <c>tp_dealloc</c> is <c>weakref_dealloc</c>.</summary>
    public PyTypeObject RefType { get; }

    /// <summary>
    /// What calling a weakref's callback does (<c>handle_callback</c>: <c>PyObject_CallOneArg(callback, ref)</c>); the model
    /// runs no Python code, so a scenario that gives weakrefs callbacks supplies it. Null: the call does nothing.
    /// </summary>
    public Action<PyWeakReference, PyObjectPtr>? CallbackHook { get; set; }

    private WeakrefDesign Design => _interp.Config.Weakrefs;

    private MiHeapChecker Checker => _interp.Mimalloc.Checker;

    /// <summary><c>PyWeakref_Check(op)</c>: the object is a weakref (the model has no subclasses or proxies).</summary>
    public bool IsWeakref(PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        return ReferenceEquals(op.Type, RefType);
    }

    /// <summary>The weakref object <paramref name="op"/> (which must be one, <see cref="IsWeakref"/>) as a <c>PyWeakReference *</c>.</summary>
    public PyWeakReference AsWeakref(PyObjectPtr op)
    {
        if (!IsWeakref(op))
        {
            throw new ArgumentException($"{op} is a {op.Type}, not a weakref", nameof(op));
        }

        return new PyWeakReference(Checker, op);
    }

    /// <summary>
    /// <c>WEAKREF_LIST_LOCK(obj)</c>: <c>interp-&gt;weakref_locks[((uintptr_t)obj) % NUM_WEAKREF_LIST_LOCKS]</c>. The address is
    /// the object's block's (a reused block has the same stripe, as in C).
    /// </summary>
    public PyMutex WeakrefListLock(PyObjectPtr obj) => WeakrefLock(StripeIndex(obj));

    /// <summary>The index of <c>WEAKREF_LIST_LOCK(obj)</c> in <c>interp-&gt;weakref_locks</c>: the address modulo <see cref="NumWeakrefListLocks"/>.</summary>
    internal static int StripeIndex(PyObjectPtr obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return (int)(AddressOf(obj) % NumWeakrefListLocks);
    }

    /// <summary><c>interp-&gt;weakref_locks[i]</c>, created on first use.</summary>
    private PyMutex WeakrefLock(int i)
    {
        var m = Volatile.Read(ref _weakrefLocks[i]);
        if (m is null)
        {
            var created = new PyMutex(_rt, $"weakref_locks[{i}]", _interp.Config.Locks);
            m = Interlocked.CompareExchange(ref _weakrefLocks[i], created, null) ?? created;
        }

        return m;
    }

    /// <summary>
    /// <c>_PyObject_GET_WEAKREFS_LISTPTR(obj)</c> read: the head of the referent's weakref list (the body word at
    /// <see cref="PyTypeObject.WeaklistWord"/>), a plain load (callers hold the stripe or have stopped the world).
    /// </summary>
    public PyWeakReference? ListHead(PyObjectPtr obj) => AsNullable(Checker.Body(obj).LoadPtr(ListWord(obj), MemoryOrder.Relaxed, $"{obj}.tp_weaklist"));

    /// <summary><c>_PyWeakref_GetWeakrefCount(head)</c>: the length of the list; the caller holds the referent's stripe.</summary>
    public int GetWeakrefCount(PyWeakReference? head)
    {
        var count = 0;
        for (var wr = head; wr is { } w; wr = AsNullable(w.LoadNext()))
        {
            count++;
        }

        return count;
    }

    /// <summary><c>_PyWeakref_GetWeakrefCountThreadsafe(obj)</c>: the count under the referent's stripe.</summary>
    public int GetWeakrefCountThreadsafe(PyObjectPtr obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (!obj.Type.SupportsWeakrefs)
        {
            return 0;
        }

        LockWeakrefs(obj);
        var count = GetWeakrefCount(ListHead(obj));
        UnlockWeakrefs(obj);
        return count;
    }

    /// <summary><c>LOCK_WEAKREFS(obj)</c>: <c>PyMutex_LockFlags(&amp;WEAKREF_LIST_LOCK(obj), _Py_LOCK_DONT_DETACH)</c> (nothing without striped locks).</summary>
    internal void LockWeakrefs(PyObjectPtr obj)
    {
        if (Design.StripedLocks)
        {
            WeakrefListLock(obj).LockDontDetach();
        }
    }

    /// <summary><c>UNLOCK_WEAKREFS(obj)</c>.</summary>
    internal void UnlockWeakrefs(PyObjectPtr obj)
    {
        if (Design.StripedLocks)
        {
            WeakrefListLock(obj).Unlock();
        }
    }

    /// <summary>
    /// <c>LOCK_WEAKREFS_FOR_WR(wr)</c> (<c>Include/internal/pycore_weakref.h</c>, 3.13):
    /// <c>PyMutex_LockFlags(wr-&gt;weakrefs_lock, _Py_LOCK_DONT_DETACH)</c>, the stripe kept in the weakref, found even once
    /// <c>wr_object</c> is <c>Py_None</c> (nothing without striped locks).
    /// </summary>
    internal void LockWeakrefsForWr(PyWeakReference wr)
    {
        if (Design.StripedLocks)
        {
            WeakrefLock(wr.LoadWeakrefsLock()).LockDontDetach();
        }
    }

    /// <summary><c>UNLOCK_WEAKREFS_FOR_WR(wr)</c>.</summary>
    internal void UnlockWeakrefsForWr(PyWeakReference wr)
    {
        if (Design.StripedLocks)
        {
            WeakrefLock(wr.LoadWeakrefsLock()).Unlock();
        }
    }

    private static long AddressOf(PyObjectPtr obj) => obj.Block.ObMutex.Address;

    private static int ListWord(PyObjectPtr obj) =>
        obj.Type.SupportsWeakrefs ? obj.Type.WeaklistWord : throw new ArgumentException($"cannot create weak reference to '{obj.Type}' object", nameof(obj));

    private PyWeakReference? AsNullable(MiPtr? p) => p is PyObjectPtr op ? new PyWeakReference(Checker, op) : null;

    private void StoreListHead(PyObjectPtr obj, PyWeakReference? value, MemoryOrder order) =>
        Checker.Body(obj).StorePtr(ListWord(obj), value?.Ptr, order, $"{obj}.tp_weaklist");
}
