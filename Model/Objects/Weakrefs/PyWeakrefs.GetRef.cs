using Sim.Runtime.Cells;
using CriticalSectionApi = Sim.Model.CriticalSections.CriticalSection;

namespace Sim.Model.Objects.Weakrefs;

/// <summary>Dereferencing and hashing weak references (<c>Include/internal/pycore_weakref.h</c>, <c>Objects/weakrefobject.c</c>, 3.13).</summary>
public sealed partial class PyWeakrefs
{
    /// <summary>
    /// <c>_PyWeakref_GET_REF(ref)</c> (<c>Include/internal/pycore_weakref.h</c>, 3.13): a new reference to the referent, or
    /// null if the weakref was cleared or the referent is dying. The free-threaded build: an atomic load of
    /// <c>wr_object</c> (<c>Py_None</c>: cleared); then, under the referent's stripe, a second load (a clear may have run
    /// meanwhile, and the referent may be freed once it has), and <c>_Py_TryIncref</c>, which refuses a referent whose
    /// merged count reached zero (it is being deallocated, its weakrefs not yet cleared). The default build
    /// (<see cref="WeakrefGetRef.PlainIncref"/>): <c>_is_dead(obj)</c> (<c>Py_REFCNT(obj) == 0</c>), then
    /// <c>Py_NewRef(obj)</c>.
    /// </summary>
    /// <remarks>
    /// This is also what the public <c>PyWeakref_GetRef(ref, &amp;obj)</c> (<c>Objects/weakrefobject.c</c>, added in 3.13
    /// by gh-105927) returns: it fails for a NULL or non-weakref <c>ref</c> (-1 with an exception set), then does
    /// <c>*pobj = _PyWeakref_GET_REF(ref); return (*pobj != NULL);</c> (read in a 3.14-era copy of the file; 3.13's
    /// documentation states the same 1/0/-1 contract; version-uncertain only in which exception a NULL <c>ref</c> sets).
    /// The model's parameter is a <see cref="PyWeakReference"/>, so the -1 case cannot arise: a null result is its 0, a
    /// reference its 1, and scenarios that model a <c>PyWeakref_GetRef</c> call use this member. The deprecated
    /// <c>PyWeakref_GetObject</c>, which returns the same referent as a borrowed reference (<c>Py_DECREF</c> before
    /// returning, <c>Py_None</c> when dead), is not modelled.
    /// </remarks>
    public PyObjectPtr? GetRef(PyWeakReference wr)
    {
        using var _ = _rt.Enter($"_PyWeakref_GET_REF({wr})");
        var obj = wr.LoadObject();
        if (obj is null)
        {
            return null; // clear_weakref() was called
        }

        if (Design.GetRef == WeakrefGetRef.PlainIncref)
        {
            var h = _interp.Objects.Header(obj);
            if (RefcountBits.TrueRefcount(h.LoadLocal(), h.LoadShared(MemoryOrder.Relaxed)) == 0)
            {
                return null; // _is_dead
            }

            _interp.Refcount.IncRef(obj);
            return obj;
        }

        LockWeakrefs(obj);
        if (wr.LoadObject() is null)
        {
            UnlockWeakrefs(obj); // clear_weakref() was called
            return null;
        }

        var got = obj;
        var ok = _interp.Refcount.TryIncref(ref got);
        UnlockWeakrefs(obj);
        return ok ? got : null;
    }

    /// <summary>
    /// <c>_PyWeakref_IS_DEAD(ref)</c>: cleared, or, under the referent's stripe, cleared meanwhile or <c>_is_dead</c>: a
    /// relaxed load of <c>ob_ref_shared</c> equal to MERGED with a count of zero.
    /// </summary>
    public bool IsDead(PyWeakReference wr)
    {
        using var _ = _rt.Enter($"_PyWeakref_IS_DEAD({wr})");
        var obj = wr.LoadObject();
        if (obj is null)
        {
            return true;
        }

        LockWeakrefs(obj);
        var dead = wr.LoadObject() is null || _interp.Objects.Header(obj).LoadShared(MemoryOrder.Relaxed) == RefcountBits.Merged;
        UnlockWeakrefs(obj);
        return dead;
    }

    /// <summary>
    /// <c>weakref_hash</c>: in the weakref's own critical section (<c>Py_BEGIN_CRITICAL_SECTION(self)</c>),
    /// <c>weakref_hash_lock_held</c> returns the cached hash, or computes <c>PyObject_Hash</c> of the referent
    /// (<c>_Py_HashPointer</c> in the model) through <c>_PyWeakref_GET_REF</c> and caches it. Null: the referent is gone
    /// and no hash was cached (<c>TypeError: weak object has gone away</c>).
    /// </summary>
    public long? Hash(PyWeakReference wr)
    {
        using var _ = _rt.Enter($"weakref_hash({wr})");
        using var cs = CriticalSectionApi.Begin(_interp.CurrentThreadState, wr.Ptr);
        var hash = wr.LoadHash();
        if (hash != -1)
        {
            return hash;
        }

        var obj = GetRef(wr);
        if (obj is null)
        {
            return null;
        }

        hash = HashPointer(obj);
        wr.StoreHash(hash);
        _interp.Refcount.DecRef(obj);
        return hash;
    }

    /// <summary><c>_Py_HashPointer</c>: the address rotated right by 4 bits (never -1 for the model's addresses).</summary>
    public static long HashPointer(PyObjectPtr obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var y = (ulong)AddressOf(obj);
        return (long)((y >> 4) | (y << 60)) & long.MaxValue;
    }
}
