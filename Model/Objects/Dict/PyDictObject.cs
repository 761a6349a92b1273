using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;
using CriticalSectionApi = Sim.Model.CriticalSections.CriticalSection;

namespace Sim.Model.Objects.Dict;

/// <summary>
/// The free-threaded dict of <c>Objects/dictobject.c</c> (3.13; gh-112075: seed "Starts adding thread safety to dict objects", PR
/// #114508; lock-free single-item reads, PR #115109; atomics, PR #119288; <c>PyDict_SetDefaultRef</c>, gh-112066): the dict type and the functions over dict objects. A dict
/// (GC heap) holds <c>ma_used</c>, <c>ma_keys</c> (a <see cref="PyDictKeysObject"/>) and <c>ma_values</c> (a
/// <see cref="PyDictValues"/> for a split dict, NULL for a combined one). Writers hold the dict's critical section (the
/// seed's <c>@critical_section</c> and <c>_lock_held</c> functions); new keys of split keys, which the instances of a class
/// share, are added under the keys' own lock (<c>LOCK_KEYS</c>). Readers look up lock-free
/// (<c>_Py_dict_lookup_threadsafe</c>): the first read by a thread that does not own the dict marks it shared, and a
/// resize of a shared dict frees the old keys and values through QSBR (<c>free_keys_object</c>, <c>use_qsbr</c>).
/// </summary>
/// <remarks>
/// <para>
/// Read from two copies of <c>dictobject.c</c>: one of early 2024 (3.13 alphas: <c>_Py_dict_lookup_threadsafe</c>,
/// <c>ensure_shared_on_read</c>/<c>_on_resize</c>, <c>free_keys_object</c>, <c>dictresize</c>, <c>insert_combined_dict</c>) and
/// a 3.14-era one (<c>insert_split_key</c>/<c>insert_split_value</c>, which replaced <c>insert_split_dict</c> before 3.13.0
/// as far as the history shows) [version-uncertain for the 3.13 point releases].
/// </para>
/// <para>
/// Deviations: every key is an interned, immortal str (<see cref="InternedStrings"/>), so key references are not counted
/// and only unicode keys exist (no <c>DICT_KEYS_GENERAL</c>, no rich comparison); no <c>Py_EMPTY_KEYS</c> (a new dict
/// gets keys of <c>PyDict_MINSIZE</c> at once, as <c>dict_new_presized</c> would), no free lists, no
/// <c>ma_version_tag</c>, <c>dk_version</c>, watchers, GC tracking or inline values; a split dict's insertion order is its
/// entries' order; no shrinking, no iteration, no error paths.
/// </para>
/// </remarks>
public sealed partial class PyDictObject
{
    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;

    /// <summary>Creates the dict type for an interpreter.</summary>
    public PyDictObject(PyInterpreterState interp)
    {
        ArgumentNullException.ThrowIfNull(interp);
        _interp = interp;
        _rt = interp.Runtime;
        Type = new PyTypeObject("dict", PyTypeObject.HeaderSize + 24, isGc: true, dealloc: Dealloc);
    }

    /// <summary>The dict type.</summary>
    public PyTypeObject Type { get; }

    private DictDesign Design => _interp.Config.Dict;

    private MiHeapChecker Checker => _interp.Mimalloc.Checker;

    private PyThreadState TState => _interp.CurrentThreadState;

    /// <summary><c>PyDict_New</c> (as <c>dict_new_presized</c>): an empty combined dict with unicode keys of the minimum size.</summary>
    public PyObjectPtr New(string label)
    {
        using var _ = _rt.Enter($"PyDict_New({label})");
        var keys = NewKeysObject($"{label}.ma_keys", PyDictKeysObject.LogMinSize, DictKeysKind.Unicode);
        return NewDict(label, keys.Ptr, values: null);
    }

    /// <summary>
    /// <c>_PyDict_NewKeysForClass</c>: the split keys a heap type keeps in <c>ht_cached_keys</c> and shares with its
    /// instances' dicts; the caller holds the one reference (the type's), to release with <see cref="DecRefKeys"/>.
    /// </summary>
    public MemPtr NewKeysForClass(string label)
    {
        using var _ = _rt.Enter($"_PyDict_NewKeysForClass({label})");
        return NewKeysObject(label, PyDictKeysObject.LogMinSize, DictKeysKind.Split).Ptr;
    }

    /// <summary>
    /// <c>new_dict_with_shared_keys</c>: an instance's dict over the class's split <paramref name="sharedKeys"/>
    /// (<c>dictkeys_incref</c>), with a values array of <c>shared_keys_usable_size</c> slots, all NULL.
    /// </summary>
    public PyObjectPtr NewWithSharedKeys(string label, MemPtr sharedKeys)
    {
        ArgumentNullException.ThrowIfNull(sharedKeys);
        using var _ = _rt.Enter($"new_dict_with_shared_keys({label})");
        var keys = PyDictKeysObject.Open(sharedKeys, Checker);
        keys.AddRefcnt(1);
        var size = (int)SharedKeysUsableSize(keys);
        var values = new PyDictValues(_interp.Mem.Malloc(PyDictValues.BytesFor(size), $"{label}.ma_values"), Checker);
        values.Initialize(size);
        return NewDict(label, sharedKeys, values.Ptr);
    }

    /// <summary><c>dictkeys_decref</c> of a reference the caller holds (the type's <c>ht_cached_keys</c> at its deallocation).</summary>
    public void DecRefKeys(MemPtr keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        using var _ = _rt.Enter($"dictkeys_decref({keys})");
        DictKeysDecRef(PyDictKeysObject.Open(keys, Checker), useQsbr: false);
    }

    /// <summary><c>PyDict_GET_SIZE</c>: a relaxed load of <c>ma_used</c>, no lock.</summary>
    public long Size(PyObjectPtr dict)
    {
        ArgumentNullException.ThrowIfNull(dict);
        return LoadUsed(dict);
    }

    /// <summary>
    /// <c>PyDict_GetItemRef</c>: a strong reference to the value of <paramref name="key"/>, or null if it is missing, through
    /// <c>_Py_dict_lookup_threadsafe</c> (lock-free, falling back to the dict's critical section).
    /// </summary>
    public PyObjectPtr? GetItemRef(PyObjectPtr dict, PyObjectPtr key)
    {
        ArgumentNullException.ThrowIfNull(dict);
        ArgumentNullException.ThrowIfNull(key);
        using var _ = _rt.Enter($"PyDict_GetItemRef({dict}, {key})");
        LookupThreadsafe(dict, key, UnicodeGetHash(key), out var value);
        return value;
    }

    /// <summary>
    /// <c>PyDict_SetItem</c> (<c>setitem_take2_lock_held</c> in the dict's critical section): stores a new reference to
    /// <paramref name="value"/> under <paramref name="key"/>, replacing (and releasing) the old value.
    /// </summary>
    public void SetItem(PyObjectPtr dict, PyObjectPtr key, PyObjectPtr value)
    {
        ArgumentNullException.ThrowIfNull(dict);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        using var _ = _rt.Enter($"PyDict_SetItem({dict}, {key}, {value})");
        using (CriticalSectionApi.Begin(TState, dict))
        {
            _interp.Refcount.IncRef(value);
            InsertDict(dict, key, UnicodeGetHash(key), value);
        }
    }

    /// <summary>
    /// <c>PyDict_DelItem</c>: <see cref="DelItemLockHeld"/> in the dict's critical section; false if the key was missing.
    /// </summary>
    public bool DelItem(PyObjectPtr dict, PyObjectPtr key)
    {
        ArgumentNullException.ThrowIfNull(dict);
        ArgumentNullException.ThrowIfNull(key);
        using var _ = _rt.Enter($"PyDict_DelItem({dict}, {key})");
        using (CriticalSectionApi.Begin(TState, dict))
        {
            return DelItemLockHeld(dict, key, UnicodeGetHash(key));
        }
    }

    /// <summary><c>new_dict</c>: a dict object over <paramref name="keys"/> (whose reference it takes) and <paramref name="values"/>.</summary>
    private PyObjectPtr NewDict(string label, MemPtr keys, MemPtr? values)
    {
        var mp = _interp.Objects.New(Type, label);
        var body = Checker.Body(mp);
        body.StorePtr(1, keys, MemoryOrder.Relaxed, $"{label}.ma_keys");
        body.StorePtr(2, values, MemoryOrder.Relaxed, $"{label}.ma_values");
        StoreUsed(mp, 0);
        return mp;
    }

    /// <summary>
    /// <c>dict_dealloc</c>: the last reference is gone, so no reader can hold the keys or values: they are released and
    /// freed at once (<c>use_qsbr</c> false).
    /// </summary>
    private void Dealloc(PyObjectPtr mp)
    {
        var keys = PyDictKeysObject.Open(LoadKeys(mp, MemoryOrder.Relaxed), Checker);
        if (LoadValues(mp, MemoryOrder.Relaxed) is { } values)
        {
            var v = new PyDictValues(values, Checker);
            var n = v.LoadCapacity();
            for (var ix = 0L; ix < n; ix++)
            {
                _interp.Refcount.XDecRef(v.Value(ix).Load(MemoryOrder.Relaxed));
            }

            _interp.Mem.Free(values);
        }

        DictKeysDecRef(keys, useQsbr: false);
    }

    /// <summary><c>unicode_get_hash</c>: the hash cached in an interned str.</summary>
    private long UnicodeGetHash(PyObjectPtr key) => Checker.Body(key).LoadInt(0, MemoryOrder.Relaxed, $"{key.Name}.hash");

    private long LoadUsed(PyObjectPtr mp) => Checker.Body(mp).LoadInt(0, MemoryOrder.Relaxed, $"{mp.Name}.ma_used");

    /// <summary><c>STORE_USED</c>: <c>FT_ATOMIC_STORE_SSIZE_RELAXED(mp-&gt;ma_used, used)</c>.</summary>
    private void StoreUsed(PyObjectPtr mp, long used) => Checker.Body(mp).StoreInt(0, used, MemoryOrder.Relaxed, $"{mp.Name}.ma_used");

    private MemPtr LoadKeys(PyObjectPtr mp, MemoryOrder order) => (MemPtr)Checker.Body(mp).LoadPtr(1, order, $"{mp.Name}.ma_keys")!;

    /// <summary><c>set_keys</c>: <c>_Py_atomic_store_ptr_release(&amp;mp-&gt;ma_keys, keys)</c>.</summary>
    private void SetKeys(PyObjectPtr mp, MemPtr keys) => Checker.Body(mp).StorePtr(1, keys, MemoryOrder.Release, $"{mp.Name}.ma_keys");

    private MemPtr? LoadValues(PyObjectPtr mp, MemoryOrder order) => (MemPtr?)Checker.Body(mp).LoadPtr(2, order, $"{mp.Name}.ma_values");

    /// <summary><c>set_values</c>: <c>_Py_atomic_store_ptr_release(&amp;mp-&gt;ma_values, values)</c>.</summary>
    private void SetValues(PyObjectPtr mp, MemPtr? values) => Checker.Body(mp).StorePtr(2, values, MemoryOrder.Release, $"{mp.Name}.ma_values");
}
