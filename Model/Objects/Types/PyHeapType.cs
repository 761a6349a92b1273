using Sim.Model.Locks;
using Sim.Model.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects.Types;

/// <summary>
/// A heap type (<c>PyHeapTypeObject</c>, a class statement's result; <c>Objects/typeobject.c</c>, 3.13), reduced to what
/// attribute lookup uses: <c>tp_version_tag</c> (0 while unassigned or after a modification, read with acquire loads and
/// written under <c>TYPE_LOCK</c>), <c>tp_mro</c> (the type itself first), <c>tp_subclasses</c> (which
/// <c>type_modified</c> invalidates too) and <c>tp_dict</c>, whose values are strong references.
/// </summary>
/// <remarks>
/// Deviations: the MRO is fixed at creation (no <c>__bases__</c> assignment); <c>tp_dict</c> is a fixed set of attribute
/// slots (one pointer cell per name given at creation) with its own <c>ob_mutex</c>, not a <c>PyDictObject</c>; the type
/// object itself is not a heap block.
/// </remarks>
public sealed class PyHeapType
{
    private readonly Dictionary<PyInternedStr, AtomicRef<MiPtr>> _dict;
    private readonly List<PyHeapType> _subclasses = [];

    internal PyHeapType(SimRuntime runtime, string name, IReadOnlyList<PyHeapType> bases, IEnumerable<PyInternedStr> attributes)
    {
        Name = name;
        DictOwnerTid = runtime.CurrentThread.Id;
        DictShared = new AtomicInt(runtime, $"{name}.__dict__.shared");
        TpVersionTag = new AtomicInt(runtime, $"{name}.tp_version_tag");
        DictMutex = new PyMutex(runtime, $"{name}.__dict__.ob_mutex");
        _dict = attributes.ToDictionary(a => a, a => new AtomicRef<MiPtr>(runtime, $"{name}.__dict__[{a}]"));
        Mro = [this, .. bases.SelectMany(b => b.Mro).Distinct()];
        foreach (var b in bases)
        {
            b._subclasses.Add(this);
        }
    }

    /// <summary><c>tp_name</c>.</summary>
    public string Name { get; }

    /// <summary><c>tp_version_tag</c>.</summary>
    public AtomicInt TpVersionTag { get; }

    /// <summary><c>tp_mro</c>: the type, then its bases' MROs in order (a simple linearisation, enough for single inheritance).</summary>
    public IReadOnlyList<PyHeapType> Mro { get; }

    /// <summary><c>tp_subclasses</c>.</summary>
    public IReadOnlyList<PyHeapType> Subclasses => _subclasses;

    /// <summary>The <c>ob_mutex</c> of <c>tp_dict</c>, which <c>BEGIN_TYPE_DICT_LOCK</c> takes with <c>TYPE_LOCK</c>.</summary>
    public PyMutex DictMutex { get; }

    /// <summary>The <c>ob_tid</c> of <c>tp_dict</c>: the thread that created the type.</summary>
    public long DictOwnerTid { get; }

    /// <summary>
    /// <c>_PyObject_GC_IS_SHARED(tp_dict)</c> (<c>IS_DICT_SHARED</c>): set by the first read of the dict by a thread that does
    /// not own it (<c>ensure_shared_on_read</c>, in the dict's critical section).
    /// </summary>
    public AtomicInt DictShared { get; }

    /// <summary>The slot of <paramref name="name"/> in <c>tp_dict</c>, or null if the type has no such attribute.</summary>
    internal AtomicRef<MiPtr>? Slot(PyInternedStr name) => _dict.GetValueOrDefault(name);

    /// <summary>Every slot of <c>tp_dict</c>.</summary>
    internal IEnumerable<AtomicRef<MiPtr>> Slots => _dict.Values;

    /// <inheritdoc/>
    public override string ToString() => Name;
}
