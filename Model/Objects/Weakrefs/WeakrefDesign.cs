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
/// <param name="LocksThroughWeakref">
/// True (3.13): <c>init_weakref</c> keeps the referent's stripe in the weakref (<c>self-&gt;weakrefs_lock =
/// &amp;WEAKREF_LIST_LOCK(ob)</c>) and <c>clear_weakref</c>, from <c>weakref_dealloc</c>, always locks it
/// (<c>LOCK_WEAKREFS_FOR_WR</c>, <c>Include/internal/pycore_weakref.h</c>): "self-&gt;wr_object may be Py_None if the GC
/// cleared the weakref, so lock using the pointer in the weakref" (<c>Objects/weakrefobject.c</c>). False: the broken
/// design that comment prevents: the lock is found through <c>wr_object</c> (<c>LOCK_WEAKREFS(self-&gt;wr_object)</c>), so
/// a weakref already cleared (<c>Py_None</c>) is deallocated without the stripe, while the referent's
/// <c>PyObject_ClearWeakRefs</c>, which stored that <c>Py_None</c>, may still be writing it.
/// </param>
public sealed record WeakrefDesign(bool StripedLocks, WeakrefGetRef GetRef, bool SetsMaybeWeakref, bool LocksThroughWeakref = true)
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
