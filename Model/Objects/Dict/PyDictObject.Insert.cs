using Sim.Runtime.Cells;
using CriticalSectionApi = Sim.Model.CriticalSections.CriticalSection;

namespace Sim.Model.Objects.Dict;

/// <summary>Insertion: <c>insertdict</c>, <c>insert_combined_dict</c>, <c>insert_split_key</c>, <c>insert_split_value</c>.</summary>
public sealed partial class PyDictObject
{
    /// <summary>
    /// <c>insertdict</c>, in the dict's critical section; consumes the reference to <paramref name="value"/>. A split dict
    /// first adds the key to its shared keys (<see cref="InsertSplitKey"/>) and stores the value in its own values; if the
    /// shared keys are full it is resized into a combined dict first. A new key of a combined dict goes to
    /// <see cref="InsertCombinedDict"/>; an existing one gets the new value with a release store, and the old value is
    /// released.
    /// </summary>
    private void InsertDict(PyObjectPtr mp, PyObjectPtr key, long hash, PyObjectPtr value)
    {
        using var _ = _rt.Enter($"insertdict({mp}, {key}, {value})");
        CriticalSectionApi.AssertHeld(TState, mp.Block.ObMutex, "insertdict");
        if (LoadValues(mp, MemoryOrder.Relaxed) is not null)
        {
            var keys = PyDictKeysObject.Open(LoadKeys(mp, MemoryOrder.Relaxed), Checker);
            var splitIx = InsertSplitKey(keys, key, hash);
            if (splitIx != PyDictKeysObject.DkixEmpty)
            {
                InsertSplitValue(mp, value, splitIx);
                return;
            }

            InsertionResize(mp); // no space in the shared keys
        }

        var ix = Lookup(mp, key, hash, out var old);
        if (ix == PyDictKeysObject.DkixEmpty)
        {
            InsertCombinedDict(mp, hash, key, value);
            StoreUsed(mp, LoadUsed(mp) + 1);
            return;
        }

        if (!ReferenceEquals(old, value))
        {
            PyDictKeysObject.Open(LoadKeys(mp, MemoryOrder.Relaxed), Checker).Value(ix).Store(value, MemoryOrder.Release); // STORE_VALUE
        }

        _interp.Refcount.XDecRef(old);
    }

    /// <summary>
    /// <c>insert_combined_dict</c>: resizes if no entry is usable, then finds an empty slot, publishes the entry's index
    /// (relaxed), stores the key and the value with release stores (<c>STORE_KEY</c>, <c>STORE_VALUE</c>), and only then
    /// counts the entry (<c>dk_usable</c>, <c>dk_nentries</c>, relaxed). A lock-free reader may see the index before the
    /// key: the entry was zeroed by <c>new_keys_object</c>, so it reads NULL and probes on.
    /// </summary>
    private void InsertCombinedDict(PyObjectPtr mp, long hash, PyObjectPtr key, PyObjectPtr value)
    {
        var keys = PyDictKeysObject.Open(LoadKeys(mp, MemoryOrder.Relaxed), Checker);
        if (keys.LoadUsable() <= 0)
        {
            InsertionResize(mp);
            keys = PyDictKeysObject.Open(LoadKeys(mp, MemoryOrder.Relaxed), Checker);
        }

        var hashpos = FindEmptySlot(keys, hash);
        var n = keys.LoadNentries();
        keys.SetIndex(hashpos, n);
        keys.Key(n).Store(key, MemoryOrder.Release);
        keys.Value(n).Store(value, MemoryOrder.Release);
        keys.StoreUsable(keys.LoadUsable() - 1);
        keys.StoreNentries(n + 1);
    }

    /// <summary>
    /// <c>insert_split_key</c>: a lock-free lookup first (the key is usually there already); otherwise, under the keys' own
    /// lock (<c>LOCK_KEYS</c>, <c>dk_mutex</c>, which excludes the other instances' dicts: the dict's critical section does
    /// not), a lookup again and, if the key is still missing and an entry is usable, a new entry: its index published, its
    /// key stored with a release store (<c>STORE_SHARED_KEY</c>), then <c>split_keys_entry_added</c> (<c>dk_nentries</c> + 1
    /// before <c>dk_usable</c> − 1, released). Returns the entry's index, or <c>DKIX_EMPTY</c> if the keys are full.
    /// </summary>
    private long InsertSplitKey(PyDictKeysObject keys, PyObjectPtr key, long hash)
    {
        using var _ = _rt.Enter($"insert_split_key({keys.Ptr}, {key})");
        using (Checker.Hold(keys.Ptr, "insert_split_key's lock-free lookup"))
        {
            var found = DoLookup(keys, key, hash, threadsafe: true);
            if (found >= 0)
            {
                return found;
            }
        }

        if (Design.LockSharedKeys)
        {
            keys.DkMutex.LockDontDetach();
        }

        var ix = DoLookup(keys, key, hash, threadsafe: false);
        if (ix == PyDictKeysObject.DkixEmpty && keys.LoadUsable() > 0)
        {
            var hashpos = FindEmptySlot(keys, hash);
            ix = keys.LoadNentries();
            keys.SetIndex(hashpos, ix);
            keys.Key(ix).Store(key, MemoryOrder.Release);
            keys.StoreNentries(ix + 1); // we increase before we decrease so we never get too small of a value when racing with reads
            keys.StoreUsable(keys.LoadUsable() - 1, MemoryOrder.Release);
        }

        if (Design.LockSharedKeys)
        {
            keys.DkMutex.Unlock();
        }

        return ix;
    }

    /// <summary>
    /// <c>insert_split_value</c>: stores the value into the dict's own values with a release store
    /// (<c>STORE_SPLIT_VALUE</c>), counting a new one in <c>ma_used</c>, or releasing the one it replaces.
    /// </summary>
    private void InsertSplitValue(PyObjectPtr mp, PyObjectPtr value, long ix)
    {
        var slot = new PyDictValues(LoadValues(mp, MemoryOrder.Relaxed)!, Checker).Value(ix);
        var old = slot.Load(MemoryOrder.Relaxed);
        slot.Store(value, MemoryOrder.Release);
        if (old is null)
        {
            StoreUsed(mp, LoadUsed(mp) + 1);
        }
        else
        {
            _interp.Refcount.DecRef(old);
        }
    }

    /// <summary><c>insertion_resize</c>: <c>dictresize</c> to <c>calculate_log2_keysize(GROWTH_RATE(mp))</c>, <c>GROWTH_RATE</c> being <c>ma_used*3</c>.</summary>
    private void InsertionResize(PyObjectPtr mp) => DictResize(mp, CalculateLog2Keysize(LoadUsed(mp) * 3));

    /// <summary><c>calculate_log2_keysize</c>: the smallest power of two at least <paramref name="minsize"/>, and at least <c>PyDict_MINSIZE</c>.</summary>
    private static int CalculateLog2Keysize(long minsize)
    {
        var log2 = PyDictKeysObject.LogMinSize;
        while ((1L << log2) < minsize)
        {
            log2++;
        }

        return log2;
    }
}
