using Sim.Runtime.Cells;
using CriticalSectionApi = Sim.Model.CriticalSections.CriticalSection;

namespace Sim.Model.Objects.Dict;

/// <summary><c>PyDict_SetDefault</c> and <c>PyDict_SetDefaultRef</c> over <c>dict_setdefault_ref_lock_held</c>.</summary>
public sealed partial class PyDictObject
{
    /// <summary>
    /// <c>PyDict_SetDefaultRef</c> (3.13, seed: "similar to <c>PyDict_SetDefault</c>, but returns a strong reference through the
    /// optional <c>**result</c> pointer"): in the dict's critical section, inserts <paramref name="defaultValue"/> under
    /// <paramref name="key"/> if it is missing; <paramref name="result"/> is a new reference to the value now present.
    /// Returns 0 if the default was inserted, 1 if the key was present.
    /// </summary>
    public int SetDefaultRef(PyObjectPtr dict, PyObjectPtr key, PyObjectPtr defaultValue, out PyObjectPtr result)
    {
        ArgumentNullException.ThrowIfNull(dict);
        using var _ = _rt.Enter($"PyDict_SetDefaultRef({dict}, {key})");
        using (CriticalSectionApi.Begin(TState, dict))
        {
            return SetDefaultRefLockHeld(dict, key, defaultValue, out result, increfResult: true);
        }
    }

    /// <summary>
    /// <c>PyDict_SetDefault</c>: the same in the dict's critical section, but the result is a borrowed reference, which the
    /// dict alone keeps alive: once the section ends, another thread may replace or delete the value and free it while the
    /// caller still uses it (the reason <c>PyDict_SetDefaultRef</c> exists).
    /// </summary>
    public PyObjectPtr SetDefault(PyObjectPtr dict, PyObjectPtr key, PyObjectPtr defaultValue)
    {
        ArgumentNullException.ThrowIfNull(dict);
        using var _ = _rt.Enter($"PyDict_SetDefault({dict}, {key})");
        using (CriticalSectionApi.Begin(TState, dict))
        {
            SetDefaultRefLockHeld(dict, key, defaultValue, out var result, increfResult: false);
            return result;
        }
    }

    /// <summary>
    /// <c>dict_setdefault_ref_lock_held</c>: a split dict goes through <c>insert_split_key</c>; otherwise
    /// <c>_Py_dict_lookup</c>, and a missing key gets a new reference to the default (<c>insert_combined_dict</c>). The result
    /// is the value present afterwards, increfed if <paramref name="increfResult"/>.
    /// </summary>
    private int SetDefaultRefLockHeld(PyObjectPtr mp, PyObjectPtr key, PyObjectPtr defaultValue, out PyObjectPtr result, bool increfResult)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(defaultValue);
        CriticalSectionApi.AssertHeld(TState, mp.Block.ObMutex, "dict_setdefault_ref_lock_held");
        var hash = UnicodeGetHash(key);
        int inserted;
        if (LoadValues(mp, MemoryOrder.Relaxed) is { } valuesPtr
            && InsertSplitKey(PyDictKeysObject.Open(LoadKeys(mp, MemoryOrder.Relaxed), Checker), key, hash) is var splitIx
            && splitIx != PyDictKeysObject.DkixEmpty)
        {
            var present = new PyDictValues(valuesPtr, Checker).Value(splitIx).Load(MemoryOrder.Relaxed);
            if (present is null)
            {
                _interp.Refcount.IncRef(defaultValue);
                InsertSplitValue(mp, defaultValue, splitIx);
            }

            result = present ?? defaultValue;
            inserted = present is null ? 0 : 1;
        }
        else
        {
            if (LoadValues(mp, MemoryOrder.Relaxed) is not null)
            {
                InsertionResize(mp); // the shared keys are full
            }

            var ix = Lookup(mp, key, hash, out var value);
            if (ix == PyDictKeysObject.DkixEmpty)
            {
                _interp.Refcount.IncRef(defaultValue);
                InsertCombinedDict(mp, hash, key, defaultValue);
                StoreUsed(mp, LoadUsed(mp) + 1);
                value = defaultValue;
            }

            result = value!;
            inserted = ix == PyDictKeysObject.DkixEmpty ? 0 : 1;
        }

        if (increfResult)
        {
            _interp.Refcount.IncRef(result);
        }

        return inserted;
    }
}
