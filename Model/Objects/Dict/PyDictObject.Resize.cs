using Sim.Model.Mimalloc;
using Sim.Runtime.Cells;
using CriticalSectionApi = Sim.Model.CriticalSections.CriticalSection;

namespace Sim.Model.Objects.Dict;

/// <summary>Keys objects: <c>new_keys_object</c>, <c>dictresize</c>, <c>dictkeys_decref</c>, <c>free_keys_object</c>.</summary>
public sealed partial class PyDictObject
{
    /// <summary>
    /// <c>dictresize</c>, in the dict's critical section: <c>ensure_shared_on_resize</c>, new keys of
    /// <c>1 &lt;&lt; log2NewSize</c> slots filled with the live entries (a split dict's keys taken under <c>LOCK_KEYS</c> with
    /// its values), the indices rebuilt, the new keys published with a release store (<c>set_keys</c>), and the old keys
    /// released: freed through QSBR if the dict is shared (<c>free_keys_object(oldkeys, IS_DICT_SHARED(mp))</c>), at once
    /// otherwise; a split dict's old values likewise (<c>free_values</c>), after <c>ma_values</c> is cleared. The result is
    /// always a combined dict.
    /// </summary>
    private void DictResize(PyObjectPtr mp, int log2NewSize)
    {
        using var _ = _rt.Enter($"dictresize({mp}, {1 << log2NewSize})");
        CriticalSectionApi.AssertHeld(TState, mp.Block.ObMutex, "dictresize");
        var oldkeys = PyDictKeysObject.Open(LoadKeys(mp, MemoryOrder.Relaxed), Checker);
        var oldvaluesPtr = LoadValues(mp, MemoryOrder.Relaxed);
        EnsureSharedOnResize(mp);
        var newkeys = NewKeysObject($"{mp.Name}.ma_keys ({1 << log2NewSize} slots)", log2NewSize, DictKeysKind.Unicode);
        var numentries = LoadUsed(mp);
        var oldvalues = oldvaluesPtr is { } ov ? new PyDictValues(ov, Checker) : (PyDictValues?)null;
        var lockKeys = oldvalues is not null && Design.LockSharedKeys;
        if (lockKeys)
        {
            oldkeys.DkMutex.LockDontDetach(); // LOCK_KEYS(oldkeys): the shared keys of a split dict
        }

        // The live entries, in entry order; a split dict's values come from ma_values (references transferred, not counted).
        var n = oldvalues is { } vs ? Math.Min(oldkeys.LoadNentries(), vs.LoadCapacity()) : oldkeys.LoadNentries();
        var i = 0L;
        for (var ix = 0L; ix < n; ix++)
        {
            if ((oldvalues?.Value(ix) ?? oldkeys.Value(ix)).Load(MemoryOrder.Relaxed) is { } v)
            {
                newkeys.Key(i).Store(oldkeys.Key(ix).Load(MemoryOrder.Relaxed), MemoryOrder.Relaxed);
                newkeys.Value(i).Store(v, MemoryOrder.Relaxed);
                i++;
            }
        }

        BuildIndices(newkeys, numentries);
        if (lockKeys)
        {
            oldkeys.DkMutex.Unlock();
        }

        SetKeys(mp, newkeys.Ptr);
        if (oldvaluesPtr is { } values)
        {
            DictKeysDecRef(oldkeys, IsShared(mp)); // the split keys stay alive while the class and other instances hold them
            SetValues(mp, null);
            FreeMemory(values, IsShared(mp)); // free_values
        }
        else
        {
            FreeMemory(oldkeys.Ptr, IsShared(mp)); // free_keys_object: the combined keys' one reference was the dict's
        }

        newkeys.StoreUsable(newkeys.LoadUsable() - numentries);
        newkeys.StoreNentries(numentries);
    }

    /// <summary>
    /// <c>new_keys_object</c>: <c>PyMem_Malloc</c> of the header, the indices and the entries; <c>dk_refcnt</c> 1, the
    /// indices set to <c>DKIX_EMPTY</c> and the entries zeroed (<see cref="DictDesign.ZeroKeyEntries"/>).
    /// </summary>
    private PyDictKeysObject NewKeysObject(string label, int log2Size, DictKeysKind kind)
    {
        var ptr = _interp.Mem.Malloc(PyDictKeysObject.BytesFor(log2Size), label);
        var keys = PyDictKeysObject.Fresh(ptr, Checker, log2Size);
        keys.Initialize(kind, PyDictKeysObject.UsableFraction(1 << log2Size), Design.ZeroKeyEntries);
        return keys;
    }

    /// <summary><c>build_indices_unicode</c>: each of the first <paramref name="n"/> entries gets the first empty slot of its key's probe sequence.</summary>
    private void BuildIndices(PyDictKeysObject keys, long n)
    {
        for (var ix = 0L; ix < n; ix++)
        {
            var hash = UnicodeGetHash(keys.Key(ix).Load(MemoryOrder.Relaxed)!);
            keys.SetIndex(FindEmptySlot(keys, hash), ix);
        }
    }

    /// <summary>
    /// <c>dictkeys_decref</c>: drops one reference (<c>DECREF_KEYS</c>); the last one releases the entries' values and frees
    /// the keys (<c>free_keys_object</c>).
    /// </summary>
    private void DictKeysDecRef(PyDictKeysObject dk, bool useQsbr)
    {
        if (dk.AddRefcnt(-1) != 1)
        {
            return;
        }

        var n = dk.LoadNentries();
        for (var ix = 0L; ix < n; ix++)
        {
            _interp.Refcount.XDecRef(dk.Value(ix).Load(MemoryOrder.Relaxed));
        }

        FreeMemory(dk.Ptr, useQsbr);
    }

    /// <summary>
    /// <c>free_keys_object</c> and <c>free_values</c>: <c>_PyMem_FreeDelayed</c> if lock-free readers may still use the block
    /// (<c>use_qsbr</c>, the dict is shared) and the design has it (<see cref="DictDesign.FreeKeysWithQsbr"/>), else
    /// <c>PyMem_Free</c>.
    /// </summary>
    private void FreeMemory(MemPtr ptr, bool useQsbr)
    {
        if (useQsbr && Design.FreeKeysWithQsbr)
        {
            _interp.DelayedFree.FreeDelayed(ptr);
        }
        else
        {
            _interp.Mem.Free(ptr);
        }
    }

    /// <summary>
    /// <c>shared_keys_usable_size</c>: <c>dk_usable</c> then <c>dk_nentries</c>, both acquired, in the opposite order of
    /// <c>split_keys_entry_added</c>'s stores, so that the sum is never too small.
    /// </summary>
    private static long SharedKeysUsableSize(PyDictKeysObject keys)
    {
        var usable = keys.LoadUsable(MemoryOrder.Acquire);
        var nentries = keys.LoadNentries(MemoryOrder.Acquire);
        return nentries + usable;
    }
}
