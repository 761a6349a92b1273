using Sim.Runtime.Cells;

namespace Sim.Model.Objects.Dict;

/// <summary>
/// The entry points that other objects' code calls with a known hash or with the dict's lock already held: the type
/// object's <c>find_name_in_mro</c> and <c>type_update_dict</c> (<c>Objects/typeobject.c</c>) use them on <c>tp_dict</c>.
/// </summary>
/// <remarks>
/// [version-uncertain] <c>_PyDict_GetItemRef_KnownHash</c>, <c>_PyDict_GetItemRef_Unicode_LockHeld</c> and
/// <c>_PyDict_SetItem_LockHeld</c> were read in a 3.14-era <c>dictobject.c</c>/<c>pycore_dict.h</c>; the first two are named
/// in 3.13 by gh-118362 (PR #118454) and gh-120860 (filed against 3.13's <c>type_setattro</c>).
/// </remarks>
public sealed partial class PyDictObject
{
    /// <summary>
    /// <c>_PyDict_GetItemRef_KnownHash</c> (free-threaded build): <c>_Py_dict_lookup_threadsafe</c> with the caller's
    /// <paramref name="hash"/>, so <c>ensure_shared_on_read</c> first (which may block on the dict's critical section), then
    /// the lock-free probe, falling back to the dict's critical section; a strong reference, or null if the key is missing.
    /// </summary>
    public PyObjectPtr? GetItemRefKnownHash(PyObjectPtr dict, PyObjectPtr key, long hash)
    {
        ArgumentNullException.ThrowIfNull(dict);
        ArgumentNullException.ThrowIfNull(key);
        LookupThreadsafe(dict, key, hash, out var value);
        return value;
    }

    /// <summary>
    /// <c>_PyDict_GetItemRef_Unicode_LockHeld</c>: in the dict's critical section (asserted), <c>_Py_dict_lookup</c> and a
    /// new reference to the value, or null if the key is missing.
    /// </summary>
    public PyObjectPtr? GetItemRefLockHeld(PyObjectPtr dict, PyObjectPtr key)
    {
        ArgumentNullException.ThrowIfNull(dict);
        ArgumentNullException.ThrowIfNull(key);
        Lookup(dict, key, UnicodeGetHash(key), out var value);
        if (value is not null)
        {
            _interp.Refcount.IncRef(value);
        }

        return value;
    }

    /// <summary>
    /// <c>_PyDict_SetItem_LockHeld</c>, in the dict's critical section (asserted): a value is stored as
    /// <c>setitem_lock_held</c> does (<c>Py_INCREF</c>, then <c>insertdict</c>, which releases the value it replaces);
    /// null deletes the key (<c>delitem_knownhash_lock_held</c>). False if a key to delete was missing (the caller's
    /// <c>KeyError</c>).
    /// </summary>
    public bool SetItemLockHeld(PyObjectPtr dict, PyObjectPtr key, PyObjectPtr? value)
    {
        ArgumentNullException.ThrowIfNull(dict);
        ArgumentNullException.ThrowIfNull(key);
        var hash = UnicodeGetHash(key);
        if (value is null)
        {
            return DelItemLockHeld(dict, key, hash);
        }

        _interp.Refcount.IncRef(value);
        InsertDict(dict, key, hash, value);
        return true;
    }

    /// <summary>
    /// <c>delitem_knownhash_lock_held</c> and <c>delitem_common</c>, in the dict's critical section (asserted by the
    /// lookup): removes <paramref name="key"/> and releases its value; false if it was missing. A combined table's slot
    /// becomes <c>DKIX_DUMMY</c> and the entry's key and value are cleared with release stores; a split dict's value slot
    /// is cleared.
    /// </summary>
    private bool DelItemLockHeld(PyObjectPtr dict, PyObjectPtr key, long hash)
    {
        var ix = Lookup(dict, key, hash, out var old);
        if (ix < 0 || old is null)
        {
            return false;
        }

        StoreUsed(dict, LoadUsed(dict) - 1);
        if (LoadValues(dict, MemoryOrder.Relaxed) is { } values)
        {
            new PyDictValues(values, Checker).Value(ix).Store(null, MemoryOrder.Release);
        }
        else
        {
            var keys = PyDictKeysObject.Open(LoadKeys(dict, MemoryOrder.Relaxed), Checker);
            keys.SetIndex(LookdictIndex(keys, hash, ix), PyDictKeysObject.DkixDummy);
            keys.Key(ix).Store(null, MemoryOrder.Release);
            keys.Value(ix).Store(null, MemoryOrder.Release);
        }

        _interp.Refcount.DecRef(old);
        return true;
    }
}
