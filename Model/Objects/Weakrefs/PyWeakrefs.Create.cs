using Sim.Runtime.Cells;

namespace Sim.Model.Objects.Weakrefs;

/// <summary>Creating weak references (<c>Objects/weakrefobject.c</c>, 3.13).</summary>
public sealed partial class PyWeakrefs
{
    /// <summary>
    /// <c>PyWeakref_NewRef(ob, callback)</c> (<c>get_or_create_weakref</c>): a new reference to a weakref to
    /// <paramref name="obj"/>. Without a callback, the referent's basic ref (the callback-less <c>ref</c> at the head of its
    /// list) is reused if it can be incremented (<c>try_reuse_basic_ref</c>: <c>_Py_TryIncref</c>, since it may be dying).
    /// Otherwise a new weakref is allocated with the stripe released, and the list is examined again under the stripe,
    /// since another thread may have inserted a basic ref meanwhile: if so the new one is dropped, else it is inserted
    /// (a basic ref at the head, a ref with a callback after the basic ref).
    /// </summary>
    public PyWeakReference NewRef(PyObjectPtr obj, PyObjectPtr? callback = null)
    {
        ArgumentNullException.ThrowIfNull(obj);
        using var _ = _rt.Enter($"PyWeakref_NewRef({obj})");
        ListWord(obj); // _PyType_SUPPORTS_WEAKREFS, else TypeError
        LockWeakrefs(obj);
        var basic = TryReuseBasicRef(GetBasicRef(ListHead(obj)), callback);
        UnlockWeakrefs(obj);
        if (basic is { } reused)
        {
            return reused;
        }

        var newref = NewWeakref(obj, callback);
        LockWeakrefs(obj);

        // A new basic ref may have been inserted while the weakref lock was released.
        var basicRef = GetBasicRef(ListHead(obj));
        basic = TryReuseBasicRef(basicRef, callback);
        if (basic is { } raced)
        {
            UnlockWeakrefs(obj);
            _interp.Refcount.DecRef(newref.Ptr);
            return raced;
        }

        if (callback is null)
        {
            InsertHead(newref, obj); // get_prev: a basic ref goes first
        }
        else if (basicRef is { } prev)
        {
            InsertAfter(newref, prev);
        }
        else
        {
            InsertHead(newref, obj);
        }

        UnlockWeakrefs(obj);
        return newref;
    }

    /// <summary>
    /// <c>new_weakref</c>: <c>PyObject_GC_New</c>, then <c>init_weakref</c>'s plain stores (hash -1, <c>wr_object</c>, no links,
    /// the callback's new reference) and, in the free-threaded build, <c>weakrefs_lock</c> (the referent's stripe) and
    /// MAYBE_WEAKREF on the referent and on the weakref.
    /// </summary>
    private PyWeakReference NewWeakref(PyObjectPtr obj, PyObjectPtr? callback)
    {
        var wr = new PyWeakReference(Checker, _interp.Objects.New(RefType, $"ref({obj})"));
        wr.StoreHash(-1);
        wr.StoreObject(obj, MemoryOrder.Relaxed);
        wr.StorePrev(null);
        wr.StoreNext(null);
        if (callback is not null)
        {
            _interp.Refcount.IncRef(callback);
        }

        wr.StoreCallback(callback);
        wr.StoreWeakrefsLock(StripeIndex(obj));
        if (Design.SetsMaybeWeakref)
        {
            _interp.Refcount.SetMaybeWeakref(obj);
            _interp.Refcount.SetMaybeWeakref(wr.Ptr);
        }

        return wr;
    }

    /// <summary><c>get_basic_refs</c> (refs only): the head of the list if it is a basic ref (no callback, exactly <c>ref</c>).</summary>
    private PyWeakReference? GetBasicRef(PyWeakReference? head) =>
        head is { } h && h.LoadCallback() is null && IsWeakref(h.Ptr) ? h : null;

    /// <summary><c>try_reuse_basic_ref</c>: for a callback-less request, a new reference to the basic ref, if it can be taken.</summary>
    private PyWeakReference? TryReuseBasicRef(PyWeakReference? basicRef, PyObjectPtr? callback)
    {
        if (callback is not null || basicRef is not { } cand)
        {
            return null;
        }

        var p = cand.Ptr;
        return _interp.Refcount.TryIncref(ref p) ? new PyWeakReference(Checker, p) : null;
    }

    /// <summary><c>insert_head</c>: <paramref name="newref"/> becomes the head of <paramref name="obj"/>'s list (plain stores).</summary>
    private void InsertHead(PyWeakReference newref, PyObjectPtr obj)
    {
        var next = ListHead(obj);
        newref.StorePrev(null);
        newref.StoreNext(next?.Ptr);
        next?.StorePrev(newref.Ptr);
        StoreListHead(obj, newref, MemoryOrder.Relaxed);
    }

    /// <summary><c>insert_after</c>: <paramref name="newref"/> goes after <paramref name="prev"/> (plain stores).</summary>
    private void InsertAfter(PyWeakReference newref, PyWeakReference prev)
    {
        var next = AsNullable(prev.LoadNext());
        newref.StorePrev(prev.Ptr);
        newref.StoreNext(next?.Ptr);
        next?.StorePrev(newref.Ptr);
        prev.StoreNext(newref.Ptr);
    }
}
