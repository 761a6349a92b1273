using Sim.Runtime.Cells;
using CriticalSectionApi = Sim.Model.CriticalSections.CriticalSection;

namespace Sim.Model.Objects.Dict;

/// <summary><c>PyDict_Copy</c>: <c>copy_lock_held</c> and <c>clone_combined_dict_keys</c>.</summary>
public sealed partial class PyDictObject
{
    /// <summary>
    /// <c>PyDict_Copy</c> (<c>dict.copy()</c>, <c>vars(C).copy()</c>): in the dict's critical section, <c>copy_lock_held</c>:
    /// an empty dict gets a new empty dict; a combined one gets a new dict over a clone of its keys
    /// (<c>clone_combined_dict_keys</c>: a <c>memcpy</c> of the keys block, then a <c>Py_INCREF</c> of the key and the value of
    /// every entry that has a value) with the same <c>ma_used</c>. The caller owns the new dict.
    /// </summary>
    /// <remarks>
    /// Deviations: the clone is used whatever the share of deleted entries (CPython clones only when
    /// <c>ma_used &gt;= dk_nentries * 2 / 3</c> and otherwise merges entry by entry: the same contents); a split dict is not
    /// modelled (an <see cref="ArgumentException"/>).
    /// </remarks>
    public PyObjectPtr Copy(PyObjectPtr dict, string label)
    {
        ArgumentNullException.ThrowIfNull(dict);
        using var _ = _rt.Enter($"PyDict_Copy({dict})");
        using (CriticalSectionApi.Begin(TState, dict))
        {
            var used = LoadUsed(dict);
            if (used == 0)
            {
                return New(label); // the dict is empty; just return a new dict
            }

            if (LoadValues(dict, MemoryOrder.Relaxed) is not null)
            {
                throw new ArgumentException($"the model does not copy split dicts ({dict.Name})", nameof(dict));
            }

            var copy = NewDict(label, CloneCombinedDictKeys(dict, $"{label}.ma_keys").Ptr, values: null);
            StoreUsed(copy, used);
            return copy;
        }
    }

    /// <summary>
    /// <c>clone_combined_dict_keys</c>, in the dict's critical section: a <c>PyMem_Malloc</c> of the keys' size, a
    /// <c>memcpy</c> of the keys, and a new reference to each entry's key and value, read from the copy, for every entry
    /// whose value is not NULL; the copy's <c>dk_refcnt</c> is the original's, 1.
    /// </summary>
    private PyDictKeysObject CloneCombinedDictKeys(PyObjectPtr orig, string label)
    {
        CriticalSectionApi.AssertHeld(TState, orig.Block.ObMutex, "clone_combined_dict_keys");
        var keys = PyDictKeysObject.Open(LoadKeys(orig, MemoryOrder.Relaxed), Checker);
        var clone = PyDictKeysObject.Fresh(_interp.Mem.Malloc(PyDictKeysObject.BytesFor(keys.Log2Size), label), Checker, keys.Log2Size);
        keys.CopyTo(clone);
        var n = clone.LoadNentries();
        for (var ix = 0L; ix < n; ix++)
        {
            if (clone.Value(ix).Load(MemoryOrder.Relaxed) is { } value)
            {
                _interp.Refcount.IncRef(value);
                _interp.Refcount.IncRef(clone.Key(ix).Load(MemoryOrder.Relaxed)!);
            }
        }

        return clone;
    }
}
