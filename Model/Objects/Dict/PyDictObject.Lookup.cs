using Sim.Model.Mimalloc;
using Sim.Runtime.Cells;
using CriticalSectionApi = Sim.Model.CriticalSections.CriticalSection;

namespace Sim.Model.Objects.Dict;

/// <summary>The lookups: <c>_Py_dict_lookup</c> under the lock and <c>_Py_dict_lookup_threadsafe</c> without it.</summary>
public sealed partial class PyDictObject
{
    private const int PerturbShift = 5;

    /// <summary>
    /// <c>_Py_dict_lookup_threadsafe</c> (free-threaded build): <c>ensure_shared_on_read</c>, then <c>_Py_atomic_load_ptr</c> of
    /// <c>ma_keys</c> and a lock-free probe (<c>unicodekeys_lookup_unicode_threadsafe</c>), the value taken with
    /// <c>_Py_TryXGetRef</c> and kept only if <c>ma_keys</c> (or, for a split dict, <c>ma_values</c>) still holds what the
    /// probe read; on any failure (<c>read_failed</c>) the lookup is done again in the dict's critical section and the value
    /// increfed there. Returns the entry's index or <c>DKIX_EMPTY</c>; <paramref name="value"/> is a new reference or null.
    /// The reader holds the keys (and values) pointer while it reads them (<see cref="MiHeapChecker.Hold"/>): freeing them
    /// under it is a <c>reuse under a reader</c>.
    /// </summary>
    private long LookupThreadsafe(PyObjectPtr mp, PyObjectPtr key, long hash, out PyObjectPtr? value)
    {
        using var _ = _rt.Enter($"_Py_dict_lookup_threadsafe({mp}, {key})");
        if (Design.EnsureSharedOnRead)
        {
            EnsureSharedOnRead(mp);
        }

        var ix = TryLookupLockFree(mp, key, hash, out value);
        return ix == PyDictKeysObject.DkixKeyChanged ? ReadFailed(mp, key, hash, out value) : ix;
    }

    /// <summary>
    /// The lock-free part of <c>_Py_dict_lookup_threadsafe</c>, up to <c>goto read_failed</c>, which it reports as
    /// <c>DKIX_KEY_CHANGED</c>: the reader holds the keys (and values) only while it reads them, not in <c>read_failed</c>,
    /// which reloads <c>ma_keys</c> under the lock (and may block, going QSBR-offline).
    /// </summary>
    private long TryLookupLockFree(PyObjectPtr mp, PyObjectPtr key, long hash, out PyObjectPtr? value)
    {
        value = null;
        var dkPtr = LoadKeys(mp, MemoryOrder.SeqCst);
        using var hold = Checker.Hold(dkPtr, $"a lock-free lookup in {mp.Name}'s keys");
        var dk = PyDictKeysObject.Open(dkPtr, Checker);
        var kind = dk.Kind();
        var ix = DoLookup(dk, key, hash, threadsafe: true);
        if (ix < 0)
        {
            return ix;
        }

        if (kind == DictKeysKind.Split)
        {
            if (LoadValues(mp, MemoryOrder.SeqCst) is not { } valuesPtr)
            {
                return PyDictKeysObject.DkixKeyChanged;
            }

            using var valuesHold = Checker.Hold(valuesPtr, $"a lock-free lookup in {mp.Name}'s values");
            var values = new PyDictValues(valuesPtr, Checker);
            if (ix >= values.LoadCapacity() || _interp.Refcount.TryXGetRef(values.Value(ix)) is not { } v)
            {
                return PyDictKeysObject.DkixKeyChanged;
            }

            if (!valuesPtr.SameAddress(LoadValues(mp, MemoryOrder.SeqCst)))
            {
                _interp.Refcount.DecRef(v);
                return PyDictKeysObject.DkixKeyChanged;
            }

            value = v;
            return ix;
        }

        if (_interp.Refcount.TryXGetRef(dk.Value(ix)) is not { } found)
        {
            return PyDictKeysObject.DkixKeyChanged;
        }

        if (!dkPtr.SameAddress(LoadKeys(mp, MemoryOrder.SeqCst)))
        {
            _interp.Refcount.DecRef(found);
            return PyDictKeysObject.DkixKeyChanged;
        }

        value = found;
        return ix;
    }

    /// <summary>
    /// <c>read_failed</c>: in the dict's critical section, <c>_Py_dict_lookup</c> and a <c>Py_INCREF</c> of the value (which
    /// gives a non-owner a shared count, so that its next lock-free read can take the value).
    /// </summary>
    private long ReadFailed(PyObjectPtr mp, PyObjectPtr key, long hash, out PyObjectPtr? value)
    {
        using var _ = _rt.Enter($"_Py_dict_lookup_threadsafe({mp}, {key}): read_failed");
        using (CriticalSectionApi.Begin(TState, mp))
        {
            var ix = Lookup(mp, key, hash, out value);
            if (value is not null)
            {
                _interp.Refcount.IncRef(value);
            }

            return ix;
        }
    }

    /// <summary>
    /// <c>_Py_dict_lookup</c>, in the dict's critical section: probes <c>ma_keys</c> (<c>unicodekeys_lookup_unicode</c>) and
    /// returns the entry's index and its value (borrowed), from the entry or, for a split dict, from <c>ma_values</c>.
    /// </summary>
    private long Lookup(PyObjectPtr mp, PyObjectPtr key, long hash, out PyObjectPtr? value)
    {
        CriticalSectionApi.AssertHeld(TState, mp.Block.ObMutex, "_Py_dict_lookup");
        var dk = PyDictKeysObject.Open(LoadKeys(mp, MemoryOrder.Relaxed), Checker);
        var kind = dk.Kind();
        var ix = DoLookup(dk, key, hash, threadsafe: false);
        if (ix < 0)
        {
            value = null;
        }
        else if (kind == DictKeysKind.Split)
        {
            value = new PyDictValues(LoadValues(mp, MemoryOrder.Relaxed)!, Checker).Value(ix).Load(MemoryOrder.Relaxed);
        }
        else
        {
            value = dk.Value(ix).Load(MemoryOrder.Relaxed);
        }

        return ix;
    }

    /// <summary>
    /// <c>do_lookup</c>: the probe sequence (<c>i = hash &amp; mask</c>, then <c>perturb &gt;&gt;= PERTURB_SHIFT; i = mask &amp;
    /// (i*5 + perturb + 1)</c>) over <c>dk_indices</c>, comparing the key of each index found with
    /// <c>compare_unicode_unicode</c> (or its <c>_threadsafe</c> form) until a match or <c>DKIX_EMPTY</c>.
    /// </summary>
    private long DoLookup(PyDictKeysObject dk, PyObjectPtr key, long hash, bool threadsafe)
    {
        var mask = (ulong)dk.Mask;
        var perturb = unchecked((ulong)hash);
        var i = unchecked((ulong)hash) & mask;
        for (;;)
        {
            var ix = dk.GetIndex((long)i);
            if (ix >= 0)
            {
                var cmp = threadsafe ? CompareUnicodeThreadsafe(dk, ix, key, hash) : CompareUnicode(dk, ix, key, hash);
                if (cmp < 0)
                {
                    return cmp;
                }

                if (cmp > 0)
                {
                    return ix;
                }
            }
            else if (ix == PyDictKeysObject.DkixEmpty)
            {
                return PyDictKeysObject.DkixEmpty;
            }

            perturb >>= PerturbShift;
            i = mask & ((i * 5) + perturb + 1);
        }
    }

    /// <summary><c>compare_unicode_unicode</c> (under the lock): the same object, or the same hash and <c>unicode_eq</c>.</summary>
    private long CompareUnicode(PyDictKeysObject dk, long ix, PyObjectPtr key, long hash)
    {
        var ep = dk.Key(ix).Load(MemoryOrder.Relaxed);
        return ep is not null && (ep.SameAddress(key) || (UnicodeGetHash(ep) == hash && UnicodeEq(ep, key))) ? 1 : 0;
    }

    /// <summary>
    /// <c>compare_unicode_unicode_threadsafe</c>: a relaxed load of <c>me_key</c>; the same object matches; NULL (an entry
    /// whose index is published before its key) does not; an immortal key is compared as is; a mortal one is first taken
    /// with <c>_Py_TryIncrefCompare</c>, and a failure means the keys changed under the probe (<c>DKIX_KEY_CHANGED</c>).
    /// </summary>
    private long CompareUnicodeThreadsafe(PyDictKeysObject dk, long ix, PyObjectPtr key, long hash)
    {
        var slot = dk.Key(ix);
        var startkey = slot.Load(MemoryOrder.Relaxed);
        if (startkey is null)
        {
            return 0;
        }

        if (startkey.SameAddress(key))
        {
            return 1;
        }

        if (_interp.Objects.Header(startkey).LoadLocal() == RefcountBits.ImmortalRefcntLocal)
        {
            return UnicodeGetHash(startkey) == hash && UnicodeEq(startkey, key) ? 1 : 0;
        }

        if (!_interp.Refcount.TryIncrefCompare(slot, ref startkey))
        {
            return PyDictKeysObject.DkixKeyChanged;
        }

        var eq = UnicodeGetHash(startkey) == hash && UnicodeEq(startkey, key);
        _interp.Refcount.DecRef(startkey);
        return eq ? 1 : 0;
    }

    /// <summary><c>unicode_eq</c> of two interned strings: equal only if they are the same object (see <see cref="InternedStrings"/>).</summary>
    private static bool UnicodeEq(PyObjectPtr a, PyObjectPtr b) => a.SameAddress(b);

    /// <summary><c>lookdict_index</c>: the slot that holds entry index <paramref name="index"/>.</summary>
    private static long LookdictIndex(PyDictKeysObject k, long hash, long index)
    {
        var mask = (ulong)k.Mask;
        var perturb = unchecked((ulong)hash);
        var i = unchecked((ulong)hash) & mask;
        for (;;)
        {
            var ix = k.GetIndex((long)i);
            if (ix == index)
            {
                return (long)i;
            }

            if (ix == PyDictKeysObject.DkixEmpty)
            {
                return PyDictKeysObject.DkixEmpty;
            }

            perturb >>= PerturbShift;
            i = mask & ((i * 5) + perturb + 1);
        }
    }

    /// <summary>
    /// <c>find_empty_slot</c>: the first slot of the probe sequence that is <c>DKIX_EMPTY</c>; in the free-threaded build a
    /// <c>DKIX_DUMMY</c> slot is not reused (<c>is_unusable_slot</c>), so that lock-free probes stay valid.
    /// </summary>
    private static long FindEmptySlot(PyDictKeysObject keys, long hash)
    {
        var mask = (ulong)keys.Mask;
        var i = unchecked((ulong)hash) & mask;
        var ix = keys.GetIndex((long)i);
        for (var perturb = unchecked((ulong)hash); ix != PyDictKeysObject.DkixEmpty;)
        {
            perturb >>= PerturbShift;
            i = ((i * 5) + perturb + 1) & mask;
            ix = keys.GetIndex((long)i);
        }

        return (long)i;
    }
}
