using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Objects.Dict;
using Sim.Runtime;
using Sim.Runtime.Cells;
using CriticalSectionApi = Sim.Model.CriticalSections.CriticalSection;

namespace Sim.Model.Objects.Types;

/// <summary>
/// <c>interp-&gt;types</c> (<c>struct types_state</c>, <c>Include/internal/pycore_typeobject.h</c>, 3.13) and the
/// attribute lookup of <c>Objects/typeobject.c</c> built on it: <c>TYPE_LOCK</c> (<c>types.mutex</c>, entered as a
/// critical section, <c>BEGIN_TYPE_LOCK</c>), the next heap-type version tag, and the type attribute cache, whose reads are
/// lock-free through each entry's <c>_PySeqLock</c> (gh-113743, PR #113930). <see cref="LookupRef"/> returns a strong
/// reference (gh-118362, PR #118454); <see cref="SetAttr"/> clears the version tags before it replaces the value, in one
/// critical section over <c>TYPE_LOCK</c> and the type's dict. Each type's <c>tp_dict</c> is a <see cref="PyDictObject"/>
/// dict keyed by interned str names (<see cref="Intern"/>): <c>find_name_in_mro</c> reads it with the dict's lock-free
/// lookup and <c>type_setattro</c> writes it through the dict's write path.
/// </summary>
/// <remarks>
/// <para>
/// Read from the PRs (#113930, #118454, #133032), the C11 model of the cache (<c>test/seqlock.c</c> of the seqlock PR) and
/// later copies of <c>typeobject.c</c>. [version-uncertain] The 3.13.0 bodies are reconstructed: <c>update_cache</c>
/// stores the version, then the value, then the name; the slow path finds the name in the MRO, then assigns the version
/// tag, then updates the entry, all under <c>TYPE_LOCK</c>. gh-132942 (PR #133032, in the 3.13 branch through PR #133114,
/// April 2025) assigns the version before the find and stores the version last: <see cref="TypeCacheDesign"/> switches
/// both. <c>find_name_in_mro</c> looks each base's dict up with <c>_PyDict_GetItemRef_KnownHash</c> (PR #118454 made it
/// return a strong reference), that is <c>_Py_dict_lookup_threadsafe</c>, whose <c>ensure_shared_on_read</c> takes the
/// dict's critical section on a non-owner's first read; that can block and so suspend <c>TYPE_LOCK</c>'s critical
/// section (PR #133032; the review of PR #145774 names <c>ensure_shared_on_read</c> in <c>find_name_in_mro</c>)
/// [version-uncertain: the 3.13 body of <c>find_name_in_mro</c> was not read; the call is inferred from those PRs].
/// <c>type_setattro</c> and <c>type_update_dict</c> follow gh-118362 and gh-120860 (filed against 3.13, naming
/// <c>_PyDict_GetItemRef_Unicode_LockHeld</c> under <c>BEGIN_TYPE_DICT_LOCK</c>) [version-uncertain: bodies reconstructed].
/// </para>
/// <para>
/// Deviations: the cache has 2^<see cref="TypeCacheDesign.SizeExp"/> entries (CPython: 4,096); no static or immutable
/// types (their global version tags), no <c>tp_versions_used</c> limit, no type watchers, no specialisation, no
/// descriptors (<c>type_setattro</c> does not look up the metatype's <c>__set__</c>) and no slot updates
/// (<c>update_slot</c>); names are interned and immortal; <c>type_new</c> builds the dict with <c>PyDict_SetItem</c> of each
/// attribute where CPython copies the class body's namespace (<c>PyDict_Copy</c>): the same dict.
/// </para>
/// </remarks>
public sealed class TypesState
{
    /// <summary><c>_Py_MAX_GLOBAL_TYPE_VERSION_TAG + 1</c>: the first version tag of a heap type.</summary>
    public const int FirstHeapTypeVersion = 2 << 16;

    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;
    private readonly TypeCacheEntry[] _cache;
    private readonly PlainCell<int> _nextVersionTag;
    private readonly InternedStrings _strings;

    /// <summary>Creates the types state of <paramref name="interp"/> (<c>_PyTypes_InitState</c>, <c>_PyType_InitCache</c>).</summary>
    public TypesState(PyInterpreterState interp)
    {
        ArgumentNullException.ThrowIfNull(interp);
        _interp = interp;
        _rt = interp.Runtime;
        Design = interp.Config.TypeCache;
        TypeLock = new PyMutex(_rt, "TYPE_LOCK", interp.Config.Locks);
        _nextVersionTag = new PlainCell<int>(_rt, "types.next_version_tag", FirstHeapTypeVersion);
        _strings = new InternedStrings(interp);
        Dicts = new PyDictObject(interp);
        _cache = [.. Enumerable.Range(0, 1 << Design.SizeExp).Select(i => new TypeCacheEntry(_rt, i))];
    }

    /// <summary>The cache's design.</summary>
    public TypeCacheDesign Design { get; }

    /// <summary><c>TYPE_LOCK</c>: guards version tags, cache fills, and changes to types' dicts and MROs.</summary>
    public PyMutex TypeLock { get; }

    /// <summary>The dict type whose dicts are the types' <c>tp_dict</c>.</summary>
    public PyDictObject Dicts { get; }

    /// <summary>Every interned name (immortal: pass them as alive to the leak check).</summary>
    public IReadOnlyList<PyObjectPtr> InternedForCheck => _strings.All;

    /// <summary>The cache's entries (for checks).</summary>
    public IReadOnlyList<TypeCacheEntry> CacheForCheck => _cache;

    private PyThreadState TState => _interp.CurrentThreadState;

    /// <summary>
    /// An attribute name: an interned, immortal str (<c>PyUnicode_InternInPlace</c>) whose hash is <paramref name="hash"/>.
    /// Call it before other threads start (interning is not modelled as a concurrent operation).
    /// </summary>
    public PyInternedStr Intern(string text, uint hash) => new(text, hash, _strings.Intern($"'{text}'", hash));

    /// <summary>
    /// Creates a heap type (<c>type_new</c>) with the given bases and a new <c>tp_dict</c> holding the given attributes,
    /// whose references the dict takes over. The version tag is unassigned (0) until a lookup assigns it.
    /// </summary>
    public PyHeapType NewType(string name, IReadOnlyList<PyHeapType> bases, params (PyInternedStr Name, PyObjectPtr Value)[] attributes)
    {
        ArgumentNullException.ThrowIfNull(bases);
        ArgumentNullException.ThrowIfNull(attributes);
        var dict = Dicts.New($"{name}.__dict__");
        foreach (var (attr, value) in attributes)
        {
            _interp.Refcount.SetMaybeWeakref(value); // a value in a dict that other threads read lock-free [inferred]
            Dicts.SetItem(dict, attr.Str, value);
            _interp.Refcount.DecRef(value); // the dict's new reference replaces the caller's
        }

        return new PyHeapType(_rt, name, bases, dict);
    }

    /// <summary>
    /// <c>_PyType_LookupRef</c>: a strong reference to the value of <paramref name="name"/> in the MRO of
    /// <paramref name="type"/>, or null. The cache is read without locks: begin a read of the entry's sequence, compare
    /// its version with <c>tp_version_tag</c> (acquire) and its name, load the value, <c>_Py_TryIncref</c> it, and keep it
    /// only if the sequence is unchanged (else drop it and retry). A miss, or a value that cannot be incremented, takes
    /// the slow path under <c>TYPE_LOCK</c>.
    /// </summary>
    public PyObjectPtr? LookupRef(PyHeapType type, PyInternedStr name)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(name);
        using var _ = _rt.Enter($"_PyType_LookupRef({type}, {name})");
        var entry = Entry(type, name);
        while (true)
        {
            var sequence = Design.SeqLock ? entry.Sequence.BeginRead() : 0;
            var entryVersion = entry.Version.Load(MemoryOrder.Relaxed);
            var typeVersion = type.TpVersionTag.Load(MemoryOrder.Acquire);
            if (entryVersion != typeVersion || !ReferenceEquals(entry.Name.Load(MemoryOrder.Relaxed), name))
            {
                break; // cache miss
            }

            var value = (PyObjectPtr?)entry.Value.Load(MemoryOrder.Relaxed);
            if (value is not null && !_interp.Refcount.TryIncref(ref value))
            {
                break; // we cannot incref the object: fall back to locking
            }

            if (!Design.SeqLock || entry.Sequence.EndRead(sequence))
            {
                return value;
            }

            _interp.Refcount.XDecRef(value);
        }

        return LookupSlow(type, name, entry);
    }

    /// <summary>
    /// <c>_PyType_Lookup</c>: <see cref="LookupRef"/>, then the reference dropped again: a borrowed result, valid only as
    /// long as the type's dict keeps the value, which another thread's <see cref="SetAttr"/> may end at any moment. The
    /// seed: such borrowed results "aren't safe".
    /// </summary>
    public PyObjectPtr? Lookup(PyHeapType type, PyInternedStr name)
    {
        var res = LookupRef(type, name);
        _interp.Refcount.XDecRef(res);
        return res;
    }

    /// <summary>
    /// <c>type_setattro</c> (gh-118362) with a new reference to <paramref name="value"/> that it consumes (as
    /// <c>setattr(C, name, value)</c> followed by the caller's <c>Py_DECREF</c>), or null for <c>del C.name</c>. In
    /// <c>BEGIN_TYPE_DICT_LOCK(dict)</c> (a critical section over <c>TYPE_LOCK</c> and the dict's <c>ob_mutex</c>),
    /// <c>type_update_dict</c> takes a reference to the old value (<c>_PyDict_GetItemRef_Unicode_LockHeld</c>), invalidates
    /// the version tags (<see cref="TypeModified"/>), so that no lookup can hit the cache for the old value, then stores or
    /// deletes through the dict (<c>_PyDict_SetItem_LockHeld</c>); after the section, the old value is released, so that
    /// its destructor never sees the cache and the dict disagree. False if the name to delete was missing (CPython's
    /// <c>AttributeError</c>).
    /// </summary>
    public bool SetAttr(PyHeapType type, PyInternedStr name, PyObjectPtr? value)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(name);
        using var _ = _rt.Enter($"type_setattro({type}, {name})");
        PyObjectPtr? old;
        bool res;
        using (CriticalSectionApi.Begin2Mutex(TState, TypeLock, type.TpDict.Block.ObMutex))
        {
            old = Dicts.GetItemRefLockHeld(type.TpDict, name.Str);
            TypeModified(type);
            if (value is not null)
            {
                _interp.Refcount.SetMaybeWeakref(value);
            }

            res = Dicts.SetItemLockHeld(type.TpDict, name.Str, value);
        }

        _interp.Refcount.XDecRef(old);
        _interp.Refcount.XDecRef(value);
        return res;
    }

    /// <summary>
    /// <c>type_modified_unlocked</c> (<c>_PyType_Modified_Unlocked</c>), under <c>TYPE_LOCK</c>: if the type has a version
    /// tag, invalidates its subclasses' first, then sets its own to 0, so that cache entries filled for it no longer match.
    /// </summary>
    public void TypeModified(PyHeapType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        CriticalSectionApi.AssertHeld(TState, TypeLock, "type_modified_unlocked");
        if (type.TpVersionTag.Load(MemoryOrder.Relaxed) == 0)
        {
            return;
        }

        foreach (var sub in type.Subclasses)
        {
            TypeModified(sub);
        }

        type.TpVersionTag.Store(0, MemoryOrder.Release); // set_version_unlocked(type, 0)
    }

    /// <summary>
    /// Releases each type at the end of a scenario (<c>type_dealloc</c>'s <c>Py_XDECREF(type-&gt;tp_dict)</c>): the type's
    /// reference to its dict is dropped, and the dict, if no one else holds it, is deallocated (<c>dict_dealloc</c> releases
    /// the values and frees the keys).
    /// </summary>
    public void ClearTypes(params PyHeapType[] types)
    {
        ArgumentNullException.ThrowIfNull(types);
        foreach (var t in types)
        {
            _interp.Refcount.DecRef(t.TpDict);
        }
    }

    /// <summary>
    /// The slow path of <c>_PyType_LookupRef</c>, under <c>TYPE_LOCK</c>: <c>find_name_in_mro</c> (a new reference) and
    /// <c>assign_version_tag</c>, in 3.13.0's order (find, then version) or gh-132942's (version, then find); then, if the
    /// type has a version, <c>update_cache_gil_disabled</c> for that version (after gh-132942: the version assigned before
    /// the find).
    /// </summary>
    private PyObjectPtr? LookupSlow(PyHeapType type, PyInternedStr name, TypeCacheEntry entry)
    {
        using (CriticalSectionApi.BeginMutex(TState, TypeLock))
        {
            PyObjectPtr? res;
            bool hasVersion;
            int version;
            if (Design.VersionBeforeFind)
            {
                hasVersion = AssignVersionTag(type);
                version = type.TpVersionTag.Load(MemoryOrder.Relaxed);
                res = FindNameInMro(type, name);
            }
            else
            {
                res = FindNameInMro(type, name);
                hasVersion = AssignVersionTag(type);
                version = type.TpVersionTag.Load(MemoryOrder.Relaxed);
            }

            if (hasVersion)
            {
                UpdateCache(entry, name, version, res);
            }

            return res;
        }
    }

    /// <summary>
    /// <c>find_name_in_mro</c>, under <c>TYPE_LOCK</c>: the first base in <c>tp_mro</c> whose <c>tp_dict</c> has
    /// <paramref name="name"/>, looked up with <c>_PyDict_GetItemRef_KnownHash</c> (the name's cached hash); a new
    /// reference. Each lookup starts with <c>ensure_shared_on_read</c>, which may block on the dict's critical section and
    /// so suspend <c>TYPE_LOCK</c>'s.
    /// </summary>
    private PyObjectPtr? FindNameInMro(PyHeapType type, PyInternedStr name)
    {
        CriticalSectionApi.AssertHeld(TState, TypeLock, "find_name_in_mro");
        foreach (var b in type.Mro)
        {
            if (Dicts.GetItemRefKnownHash(b.TpDict, name.Str, name.Hash) is { } res)
            {
                return res;
            }
        }

        return null;
    }

    /// <summary>
    /// <c>assign_version_tag</c>, under <c>TYPE_LOCK</c>: true if the type has a valid tag, or gets the next heap-type tag
    /// (<c>NEXT_VERSION_TAG(interp)++</c>) and its bases get theirs.
    /// </summary>
    private bool AssignVersionTag(PyHeapType type)
    {
        if (type.TpVersionTag.Load(MemoryOrder.Relaxed) != 0)
        {
            return true;
        }

        var tag = _nextVersionTag.Read();
        _nextVersionTag.Write(tag + 1);
        type.TpVersionTag.Store(tag, MemoryOrder.Release); // set_version_unlocked
        return type.Mro.Skip(1).All(AssignVersionTag);
    }

    /// <summary>
    /// <c>update_cache_gil_disabled</c>: in a write section of the entry's sequence lock (none in the unsynchronised
    /// design), unless another thread already stored the same entry, <c>update_cache</c> stores the version, the value
    /// (borrowed) and the name with relaxed stores (3.13.0), or the value, the name, and the version last with a release
    /// store (gh-132942).
    /// </summary>
    private void UpdateCache(TypeCacheEntry entry, PyInternedStr name, int version, PyObjectPtr? value)
    {
        using var _ = _rt.Enter($"update_cache({name}, {version})");
        if (Design.SeqLock)
        {
            entry.Sequence.LockWrite();
        }

        if (ReferenceEquals(entry.Name.Load(MemoryOrder.Relaxed), name)
            && ReferenceEquals(entry.Value.Load(MemoryOrder.Relaxed), value)
            && entry.Version.Load(MemoryOrder.Relaxed) == version)
        {
            if (Design.SeqLock)
            {
                entry.Sequence.AbandonWrite(); // we raced with another update
            }

            return;
        }

        if (Design.VersionStoredLast)
        {
            entry.Value.Store(value, MemoryOrder.Relaxed);
            entry.Name.Store(name, MemoryOrder.Relaxed);
            entry.Version.Store(version, MemoryOrder.Release);
        }
        else
        {
            entry.Version.Store(version, MemoryOrder.Relaxed);
            entry.Value.Store(value, MemoryOrder.Relaxed);
            entry.Name.Store(name, MemoryOrder.Relaxed);
        }

        if (Design.SeqLock)
        {
            entry.Sequence.UnlockWrite();
        }
    }

    /// <summary>The entry of (type, name): <c>MCACHE_HASH_METHOD</c>, the version tag (relaxed) xor the name's hash.</summary>
    private TypeCacheEntry Entry(PyHeapType type, PyInternedStr name)
    {
        var version = (uint)type.TpVersionTag.Load(MemoryOrder.Relaxed);
        return _cache[(int)((version ^ name.Hash) & (uint)(_cache.Length - 1))];
    }
}
