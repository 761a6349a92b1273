namespace Sim.Model.Objects.Weakrefs;

/// <summary>
/// The design of weak references (<see cref="PyWeakrefs"/>): which of the free-threaded build's mechanisms are in.
/// </summary>
/// <param name="StripedLocks">
/// True: the referent's list, <c>wr_object</c> and the clearing are guarded by <c>WEAKREF_LIST_LOCK(obj)</c>, one of the
/// interpreter's striped mutexes keyed on the referent's address (<c>LOCK_WEAKREFS</c>, gh-111926, 3.13). False: the
/// default build's code, where <c>LOCK_WEAKREFS</c> expands to nothing (the GIL was the lock), run without the GIL.
/// </param>
/// <param name="GetRef">How <c>_PyWeakref_GET_REF</c> takes its reference to the referent.</param>
/// <param name="SetsMaybeWeakref">
/// True: <c>init_weakref</c> sets <c>_Py_REF_MAYBE_WEAKREF</c> on the referent (and the weakref) with
/// <c>_PyObject_SetMaybeWeakref</c>, so that <c>_Py_TryIncRefShared</c> by a thread that does not own it may succeed (it
/// refuses a shared field of 0, which the owner may free without a CAS). False: the flag is not set.
/// </param>
/// <param name="NoneStoredLast">
/// False (3.13 as read): <c>clear_weakref_lock_held</c> stores <c>Py_None</c> into <c>wr_object</c> and then goes on
/// writing the weakref (<c>wr_prev</c>, <c>wr_next</c>, <c>wr_callback</c>), and <c>PyObject_ClearWeakRefs</c> calls
/// <c>_Py_TryIncref</c> on the weakref after clearing it; a concurrent <c>weakref_dealloc</c> whose <c>clear_weakref</c>
/// sees <c>Py_None</c> returns without the stripe and frees the weakref meanwhile. True: this model's candidate fix:
/// <c>Py_None</c> is stored last, and <c>PyObject_ClearWeakRefs</c> takes its reference before clearing.
/// </param>
public sealed record WeakrefDesign(bool StripedLocks, WeakrefGetRef GetRef, bool SetsMaybeWeakref, bool NoneStoredLast = false)
{
    /// <summary>CPython 3.13's free-threaded build.</summary>
    public static WeakrefDesign Cpython313 { get; } = new(StripedLocks: true, WeakrefGetRef.TryIncrefUnderLock, SetsMaybeWeakref: true);

    /// <summary>The default build's <c>weakrefobject.c</c> and <c>_PyWeakref_GET_REF</c> with the GIL disabled: no locks, a plain increment.</summary>
    public static WeakrefDesign DefaultBuildWithoutGil { get; } = new(StripedLocks: false, WeakrefGetRef.PlainIncref, SetsMaybeWeakref: true);
}

/// <summary>How <c>_PyWeakref_GET_REF</c> takes a reference to the referent (<c>Include/internal/pycore_weakref.h</c>, 3.13).</summary>
public enum WeakrefGetRef
{
    /// <summary>The free-threaded build: re-check <c>wr_object</c> under the striped lock, then <c>_Py_TryIncref</c>.</summary>
    TryIncrefUnderLock,

    /// <summary>The default build: <c>_is_dead(obj)</c> (<c>Py_REFCNT(obj) == 0</c>), then <c>Py_NewRef(obj)</c>.</summary>
    PlainIncref,
}
