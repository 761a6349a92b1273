using Sim.Runtime.Cells;

namespace Sim.Model.Objects.Weakrefs;

/// <summary>
/// Clearing weak references (<c>Objects/weakrefobject.c</c>, 3.13): by the referent's dealloc
/// (<see cref="ClearWeakRefs"/>), by the weakref's own dealloc (<c>clear_weakref</c>), and by the GC with the world
/// stopped (<see cref="ClearRef"/>, <see cref="ClearWeakRefsExceptCallbacks"/>).
/// </summary>
public sealed partial class PyWeakrefs
{
    /// <summary>
    /// <c>_PyWeakref_ClearRef(self)</c>: <c>clear_weakref_lock_held(self, NULL)</c>. The caller holds the referent's stripe or
    /// has stopped the world (the GC's <c>handle_weakrefs</c>: "Since the world is stopped when the GC runs, it is free to
    /// clear weakrefs without acquiring any locks"). The callback is left intact and uncalled.
    /// </summary>
    public void ClearRef(PyWeakReference wr)
    {
        using var _ = _rt.Enter($"_PyWeakref_ClearRef({wr})");
        ClearWeakrefLockHeld(wr, takeCallback: false);
    }

    /// <summary>
    /// <c>_PyWeakref_ClearWeakRefsExceptCallbacks(obj)</c>: under the referent's stripe, <see cref="ClearRef"/> of the list's
    /// head until the list is empty; the callbacks stay with their weakrefs, uncalled.
    /// </summary>
    public void ClearWeakRefsExceptCallbacks(PyObjectPtr obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        using var _ = _rt.Enter($"_PyWeakref_ClearWeakRefsExceptCallbacks({obj})");
        LockWeakrefs(obj);
        while (ListHead(obj) is { } head)
        {
            ClearWeakrefLockHeld(head, takeCallback: false);
        }

        UnlockWeakrefs(obj);
    }

    /// <summary>
    /// <c>PyObject_ClearWeakRefs(object)</c>, called by the referent's <c>tp_dealloc</c> (the model's <c>_Py_Dealloc</c>
    /// calls it, after the finalizer, for a type with <see cref="PyTypeObject.WeaklistWord"/>: <c>subtype_dealloc</c>'s
    /// order) with its count at zero. An atomic load of the list head is the fast path. Then, one stripe section per
    /// weakref, the callback-less basic refs at the head are cleared (their callbacks are NULL); then every other weakref
    /// is cleared in its own section and, if it can still be incremented (<c>_Py_TryIncref</c>: it may be dying itself),
    /// kept with its callback; after the last section, each kept callback is called with its weakref, and the references
    /// are dropped (the tuple's).
    /// </summary>
    public void ClearWeakRefs(PyObjectPtr obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        using var _ = _rt.Enter($"PyObject_ClearWeakRefs({obj})");
        if (!obj.Type.SupportsWeakrefs)
        {
            return;
        }

        if (Checker.Body(obj).LoadPtr(ListWord(obj), MemoryOrder.SeqCst, $"{obj}.tp_weaklist") is null)
        {
            return; // fast path for the common case
        }

        // Remove the callback-less basic references, which always appear at the head of the list.
        for (var done = false; !done;)
        {
            PyObjectPtr? callback = null;
            LockWeakrefs(obj);
            if (GetBasicRef(ListHead(obj)) is { } basic)
            {
                callback = ClearWeakrefLockHeld(basic, takeCallback: true);
            }

            done = GetBasicRef(ListHead(obj)) is null;
            UnlockWeakrefs(obj);
            _interp.Refcount.XDecRef(callback);
        }

        // Deal with references with callbacks.
        if (GetWeakrefCountThreadsafe(obj) == 0)
        {
            return;
        }

        var toCall = new List<(PyWeakReference Ref, PyObjectPtr? Callback)>();
        for (var done = false; !done;)
        {
            PyObjectPtr? callback = null;
            LockWeakrefs(obj);
            if (ListHead(obj) is { } cur)
            {
                callback = ClearWeakrefLockHeld(cur, takeCallback: true);
                var p = cur.Ptr;
                if (_interp.Refcount.TryIncref(ref p))
                {
                    toCall.Add((new PyWeakReference(Checker, p), callback));
                    callback = null;
                }
            }

            done = ListHead(obj) is null;
            UnlockWeakrefs(obj);
            _interp.Refcount.XDecRef(callback);
        }

        foreach (var (wr, callback) in toCall)
        {
            if (callback is not null)
            {
                CallbackHook?.Invoke(wr, callback); // handle_callback
            }
        }

        foreach (var (wr, callback) in toCall)
        {
            _interp.Refcount.DecRef(wr.Ptr); // Py_DECREF(tuple)
            _interp.Refcount.XDecRef(callback);
        }
    }

    /// <summary>
    /// <c>clear_weakref(op)</c> (<c>Objects/weakrefobject.c</c>, 3.13), from <c>weakref_dealloc</c>: under the stripe the
    /// weakref keeps (<c>LOCK_WEAKREFS_FOR_WR(self)</c>, <c>PyMutex_LockFlags(self-&gt;weakrefs_lock, _Py_LOCK_DONT_DETACH)</c>),
    /// <c>clear_weakref_lock_held</c>, which unlinks it if <c>wr_object</c> is not yet <c>Py_None</c> and steals its callback
    /// either way; then the callback is dropped. CPython's comment: "self-&gt;wr_object may be Py_None if the GC cleared the
    /// weakref, so lock using the pointer in the weakref". The stripe is the referent's, so this dealloc and the
    /// referent's <see cref="ClearWeakRefs"/> exclude each other even once <c>wr_object</c> is <c>Py_None</c>.
    /// </summary>
    /// <remarks>
    /// With <see cref="WeakrefDesign.LocksThroughWeakref"/> false (a broken design, not CPython), the lock is found
    /// through <c>wr_object</c> (<c>LOCK_WEAKREFS(self-&gt;wr_object)</c>): a weakref whose <c>wr_object</c> is already
    /// <c>Py_None</c> has no referent to find the stripe by, so the clearing returns at once, unlocked, and
    /// <c>weakref_dealloc</c> frees the weakref while the referent's <see cref="ClearWeakRefs"/> may still be writing it.
    /// </remarks>
    private void ClearWeakref(PyWeakReference wr)
    {
        if (Design.LocksThroughWeakref)
        {
            LockWeakrefsForWr(wr);
            var stolen = ClearWeakrefLockHeld(wr, takeCallback: true);
            UnlockWeakrefsForWr(wr);
            _interp.Refcount.XDecRef(stolen);
            return;
        }

        if (wr.LoadObject() is not { } obj)
        {
            return; // Py_None: no referent to find the stripe by
        }

        LockWeakrefs(obj);
        var callback = ClearWeakrefLockHeld(wr, takeCallback: true);
        UnlockWeakrefs(obj);
        _interp.Refcount.XDecRef(callback);
    }

    /// <summary>
    /// <c>clear_weakref_lock_held(self, callback)</c>: if <c>wr_object</c> is not <c>Py_None</c>, unlink the weakref (the
    /// referent's head is replaced with an atomic store if the weakref was the head), store <c>Py_None</c> into
    /// <c>wr_object</c> atomically, and relink its neighbours with plain stores; if asked, steal the callback (whether or
    /// not <c>wr_object</c> was already <c>Py_None</c>).
    /// </summary>
    private PyObjectPtr? ClearWeakrefLockHeld(PyWeakReference wr, bool takeCallback)
    {
        if (wr.LoadObject() is { } obj)
        {
            var prev = AsNullable(wr.LoadPrev());
            var next = AsNullable(wr.LoadNext());
            if (ListHead(obj) == wr)
            {
                StoreListHead(obj, next, MemoryOrder.SeqCst);
            }

            wr.StoreObject(null);
            prev?.StoreNext(next?.Ptr);
            next?.StorePrev(prev?.Ptr);
            wr.StorePrev(null);
            wr.StoreNext(null);
        }

        PyObjectPtr? callback = null;
        if (takeCallback)
        {
            callback = wr.LoadCallback();
            wr.StoreCallback(null);
        }

        return callback;
    }

    /// <summary><c>weakref_dealloc</c>'s work before <c>tp_free</c>: <c>clear_weakref(self)</c>.</summary>
    private void WeakrefDealloc(PyObjectPtr self) => ClearWeakref(new PyWeakReference(Checker, self));
}
