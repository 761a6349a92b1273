using Sim.Model.Mimalloc;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects.Weakrefs;

/// <summary>
/// A <c>PyWeakReference *</c> (<c>Include/cpython/weakrefobject.h</c>, 3.13): a GC object whose body holds
/// <c>wr_object</c> (the referent, borrowed; <c>Py_None</c> once cleared), <c>wr_callback</c> (a strong reference or
/// NULL), <c>hash</c> (-1 until <c>weakref_hash</c> computes it), <c>wr_prev</c>/<c>wr_next</c>, the links of the
/// doubly linked list whose head is in the referent (<c>tp_weaklistoffset</c>), and, in the free-threaded build,
/// <c>weakrefs_lock</c>, the referent's stripe, set by <c>init_weakref</c> and never changed. Every field is a body word read and
/// written through the memory checker (<see cref="MiBody"/>), so a stale weakref pointer is a <c>use after free</c>.
/// </summary>
/// <remarks>
/// Deviation: <c>Py_None</c> in <c>wr_object</c> is NULL in the model (CPython never stores NULL there, so the two
/// cannot be confused); <c>vectorcall</c> is not modelled (the word is reserved); <c>weakrefs_lock</c>, a
/// <c>PyMutex *</c> into <c>interp-&gt;weakref_locks</c>, is the stripe's index in that array (an integer word).
/// </remarks>
/// <param name="checker">The heap checker.</param>
/// <param name="ptr">The weakref object.</param>
public readonly struct PyWeakReference(MiHeapChecker checker, PyObjectPtr ptr) : IEquatable<PyWeakReference>
{
    /// <summary><c>sizeof(PyWeakReference)</c> in the free-threaded build: the header and seven words (the five fields, <c>vectorcall</c>, <c>weakrefs_lock</c>).</summary>
    public const int BasicSize = PyTypeObject.HeaderSize + (7 * 8);

    private const int WrObject = 0;
    private const int WrCallback = 1;
    private const int Hash = 2;
    private const int WrPrev = 3;
    private const int WrNext = 4;
    private const int WeakrefsLock = 6;

    /// <summary>The weakref object.</summary>
    public PyObjectPtr Ptr { get; } = ptr;

    private MiBody Body => checker.Body(Ptr);

    /// <summary>Loads <c>wr_object</c> (null: <c>Py_None</c>, cleared); <c>_Py_atomic_load_ptr</c> in the free-threaded build.</summary>
    public PyObjectPtr? LoadObject(MemoryOrder order = MemoryOrder.SeqCst) =>
        (PyObjectPtr?)Body.LoadPtr(WrObject, order, $"{Ptr}.wr_object");

    /// <summary>Stores <c>wr_object</c> (null: <c>Py_None</c>).</summary>
    public void StoreObject(PyObjectPtr? value, MemoryOrder order = MemoryOrder.SeqCst) =>
        Body.StorePtr(WrObject, value, order, $"{Ptr}.wr_object");

    /// <summary>Loads <c>wr_callback</c> (a plain field: read under the striped lock or with the world stopped).</summary>
    public PyObjectPtr? LoadCallback() => (PyObjectPtr?)Body.LoadPtr(WrCallback, MemoryOrder.Relaxed, $"{Ptr}.wr_callback");

    /// <summary>Stores <c>wr_callback</c>.</summary>
    public void StoreCallback(PyObjectPtr? value) => Body.StorePtr(WrCallback, value, MemoryOrder.Relaxed, $"{Ptr}.wr_callback");

    /// <summary>Loads <c>hash</c> (a plain field, guarded by the weakref's own critical section).</summary>
    public long LoadHash() => Body.LoadInt(Hash, MemoryOrder.Relaxed, $"{Ptr}.hash");

    /// <summary>Stores <c>hash</c>.</summary>
    public void StoreHash(long value) => Body.StoreInt(Hash, value, MemoryOrder.Relaxed, $"{Ptr}.hash");

    /// <summary>Loads <c>wr_prev</c> (a plain field, guarded by the striped lock).</summary>
    public PyObjectPtr? LoadPrev() => (PyObjectPtr?)Body.LoadPtr(WrPrev, MemoryOrder.Relaxed, $"{Ptr}.wr_prev");

    /// <summary>Stores <c>wr_prev</c>.</summary>
    public void StorePrev(PyObjectPtr? value) => Body.StorePtr(WrPrev, value, MemoryOrder.Relaxed, $"{Ptr}.wr_prev");

    /// <summary>Loads <c>wr_next</c> (a plain field, guarded by the striped lock).</summary>
    public PyObjectPtr? LoadNext() => (PyObjectPtr?)Body.LoadPtr(WrNext, MemoryOrder.Relaxed, $"{Ptr}.wr_next");

    /// <summary>Stores <c>wr_next</c>.</summary>
    public void StoreNext(PyObjectPtr? value) => Body.StorePtr(WrNext, value, MemoryOrder.Relaxed, $"{Ptr}.wr_next");

    /// <summary>Loads <c>weakrefs_lock</c> (a plain field written once by <c>init_weakref</c>): the index of the referent's stripe.</summary>
    public int LoadWeakrefsLock() => (int)Body.LoadInt(WeakrefsLock, MemoryOrder.Relaxed, $"{Ptr}.weakrefs_lock");

    /// <summary>Stores <c>weakrefs_lock</c> (<c>init_weakref</c>: <c>self-&gt;weakrefs_lock = &amp;WEAKREF_LIST_LOCK(ob)</c>).</summary>
    public void StoreWeakrefsLock(int stripe) => Body.StoreInt(WeakrefsLock, stripe, MemoryOrder.Relaxed, $"{Ptr}.weakrefs_lock");

    /// <inheritdoc/>
    public bool Equals(PyWeakReference other) => ReferenceEquals(Ptr, other.Ptr);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PyWeakReference other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Ptr?.GetHashCode() ?? 0;

    /// <inheritdoc/>
    public override string ToString() => Ptr?.ToString() ?? "NULL";

    /// <summary>Pointer equality.</summary>
    public static bool operator ==(PyWeakReference left, PyWeakReference right) => left.Equals(right);

    /// <summary>Pointer inequality.</summary>
    public static bool operator !=(PyWeakReference left, PyWeakReference right) => !left.Equals(right);
}
