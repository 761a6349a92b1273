using Sim.Model.Interpreter;
using Sim.Model.Locks;
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
/// critical section over <c>TYPE_LOCK</c> and the type's dict.
/// </summary>
/// <remarks>
/// <para>
/// Read from the PRs (#113930, #118454, #133032), the C11 model of the cache (<c>test/seqlock.c</c> of the seqlock PR) and
/// later copies of <c>typeobject.c</c>. [version-uncertain] The 3.13.0 bodies are reconstructed: <c>update_cache</c>
/// stores the version, then the value, then the name; the slow path finds the name in the MRO, then assigns the version
/// tag, then updates the entry, all under <c>TYPE_LOCK</c>. gh-132942 (PR #133032, in the 3.13 branch through PR #133114,
/// April 2025) assigns the version before the find and stores the version last: <see cref="TypeCacheDesign"/> switches
/// both. <c>find_name_in_mro</c> can block and so suspend <c>TYPE_LOCK</c>'s critical section (PR #133032); the model
/// blocks where the review of PR #145774 says it can, in <c>ensure_shared_on_read</c>'s critical section on a base's
/// dict [version-uncertain: which call blocks in 3.13.0's <c>find_name_in_mro</c> is not pinned].
/// </para>
/// <para>
/// Deviations: the cache has 2^<see cref="TypeCacheDesign.SizeExp"/> entries (CPython: 4,096); no static or immutable
/// types (their global version tags), no <c>tp_versions_used</c> limit, no type watchers, no specialisation; names are
/// interned and never freed.
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

    /// <summary>Creates the types state of <paramref name="interp"/> (<c>_PyTypes_InitState</c>, <c>_PyType_InitCache</c>).</summary>
    public TypesState(PyInterpreterState interp)
    {
        ArgumentNullException.ThrowIfNull(interp);
        _interp = interp;
        _rt = interp.Runtime;
        Design = interp.Config.TypeCache;
        TypeLock = new PyMutex(_rt, "TYPE_LOCK", interp.Config.Locks);
        _nextVersionTag = new PlainCell<int>(_rt, "types.next_version_tag", FirstHeapTypeVersion);
        _cache = [.. Enumerable.Range(0, 1 << Design.SizeExp).Select(i => new TypeCacheEntry(_rt, i))];
    }

    /// <summary>The cache's design.</summary>
    public TypeCacheDesign Design { get; }

    /// <summary><c>TYPE_LOCK</c>: guards version tags, cache fills, and changes to types' dicts and MROs.</summary>
    public PyMutex TypeLock { get; }

    /// <summary>The cache's entries (for checks).</summary>
    public IReadOnlyList<TypeCacheEntry> CacheForCheck => _cache;

    private PyThreadState TState => _interp.CurrentThreadState;

    /// <summary>
    /// Creates a heap type (<c>type_new</c>) with the given bases and attributes, whose references its dict steals. The
    /// version tag is unassigned (0) until a lookup assigns it.
    /// </summary>
    public PyHeapType NewType(string name, IReadOnlyList<PyHeapType> bases, params (PyInternedStr Name, PyObjectPtr? Value)[] attributes)
    {
        ArgumentNullException.ThrowIfNull(bases);
        ArgumentNullException.ThrowIfNull(attributes);
        var type = new PyHeapType(_rt, name, bases, attributes.Select(a => a.Name));
        foreach (var (attr, value) in attributes)
        {
            if (value is null)
            {
                continue; // a slot for a later assignment, absent until then
            }

            _interp.Refcount.SetMaybeWeakref(value); // a value in a dict that other threads read lock-free [inferred]
            type.Slot(attr)!.Store(value, MemoryOrder.Release);
        }

        return type;
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
    /// <c>type_setattro</c> (gh-118362): in <c>BEGIN_TYPE_DICT_LOCK</c> (a critical section over <c>TYPE_LOCK</c> and the
    /// dict's mutex), <c>type_update_dict</c> first invalidates the version tags (<see cref="TypeModified"/>), so that
    /// no lookup can hit the cache for the old value, then stores <paramref name="value"/> (whose reference it steals);
    /// after the section, the old value is released.
    /// </summary>
    public void SetAttr(PyHeapType type, PyInternedStr name, PyObjectPtr? value)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(name);
        using var _ = _rt.Enter($"type_setattro({type}, {name})");
        var slot = type.Slot(name) ?? throw new ArgumentException($"the model's {type} has no attribute slot {name}", nameof(name));
        PyObjectPtr? old;
        using (CriticalSectionApi.Begin2Mutex(TState, TypeLock, type.DictMutex))
        {
            old = (PyObjectPtr?)slot.Load(MemoryOrder.Relaxed);
            TypeModified(type);
            if (value is not null)
            {
                _interp.Refcount.SetMaybeWeakref(value);
            }

            slot.Store(value, MemoryOrder.Release);
        }

        _interp.Refcount.XDecRef(old);
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

    /// <summary>Drops the references every type's dict holds (<c>type_clear</c> of each), for the end of a scenario.</summary>
    public void ClearTypes(params PyHeapType[] types)
    {
        ArgumentNullException.ThrowIfNull(types);
        foreach (var slot in types.SelectMany(t => t.Slots))
        {
            _interp.Refcount.XDecRef((PyObjectPtr?)slot.Exchange(null));
        }
    }

    /// <summary>
    /// <c>PyDict_Copy</c> of the type's dict (<c>vars(C).copy()</c>): in the dict's critical section, a new reference to
    /// each value present. The caller owns the references.
    /// </summary>
    public IReadOnlyList<PyObjectPtr> CopyDict(PyHeapType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        using var _ = _rt.Enter($"PyDict_Copy({type}.__dict__)");
        var copy = new List<PyObjectPtr>();
        using (CriticalSectionApi.BeginMutex(TState, type.DictMutex))
        {
            foreach (var slot in type.Slots)
            {
                if (slot.Load(MemoryOrder.Relaxed) is PyObjectPtr value)
                {
                    _interp.Refcount.IncRef(value);
                    copy.Add(value);
                }
            }
        }

        return copy;
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
    /// <c>find_name_in_mro</c>: the first base in <c>tp_mro</c> whose dict has <paramref name="name"/>; a new reference. Each
    /// dict lookup first runs <see cref="EnsureSharedOnRead"/>, which may block and so suspend <c>TYPE_LOCK</c>.
    /// </summary>
    private PyObjectPtr? FindNameInMro(PyHeapType type, PyInternedStr name)
    {
        foreach (var b in type.Mro)
        {
            EnsureSharedOnRead(b);
            if (b.Slot(name) is { } slot && slot.Load(MemoryOrder.Acquire) is PyObjectPtr res)
            {
                _interp.Refcount.IncRef(res);
                return res;
            }
        }

        return null;
    }

    /// <summary>
    /// <c>ensure_shared_on_read</c> (<c>Objects/dictobject.c</c>, 3.13) of the type's dict: the first read by a thread that
    /// does not own the dict marks it shared, in the dict's critical section; if another thread holds the dict's mutex,
    /// the reader blocks, and its outer sections (<c>TYPE_LOCK</c>) are suspended until it resumes.
    /// </summary>
    private void EnsureSharedOnRead(PyHeapType type)
    {
        if (type.DictOwnerTid == _rt.CurrentThread.Id || type.DictShared.Load(MemoryOrder.Relaxed) != 0)
        {
            return;
        }

        using (CriticalSectionApi.BeginMutex(TState, type.DictMutex))
        {
            if (type.DictShared.Load(MemoryOrder.Relaxed) == 0)
            {
                type.DictShared.Store(1, MemoryOrder.Relaxed);
            }
        }
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
