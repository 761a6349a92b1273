using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects.Types;

/// <summary>
/// A heap type (<c>PyHeapTypeObject</c>, a class statement's result; <c>Objects/typeobject.c</c>, 3.13), reduced to what
/// attribute lookup uses: <c>tp_version_tag</c> (0 while unassigned or after a modification, read with acquire loads and
/// written under <c>TYPE_LOCK</c>), <c>tp_mro</c> (the type itself first), <c>tp_subclasses</c> (which
/// <c>type_modified</c> invalidates too) and <c>tp_dict</c>, a <see cref="Dict.PyDictObject"/> dict (attribute names to
/// values, strong references) that lookups read lock-free and <c>type_setattro</c> writes in its critical section.
/// </summary>
/// <remarks>
/// Deviations: the MRO is fixed at creation (no <c>__bases__</c> assignment); the type object itself is not a heap block
/// (the dict is).
/// </remarks>
public sealed class PyHeapType
{
    private readonly List<PyHeapType> _subclasses = [];

    internal PyHeapType(SimRuntime runtime, string name, IReadOnlyList<PyHeapType> bases, PyObjectPtr dict)
    {
        Name = name;
        TpDict = dict;
        TpVersionTag = new AtomicInt(runtime, $"{name}.tp_version_tag");
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

    /// <summary>
    /// <c>tp_dict</c> (<c>lookup_tp_dict</c>): the type's attribute dict, created by the thread that created the type (its
    /// <c>ob_tid</c>), so that another thread's first read marks it shared (<c>ensure_shared_on_read</c>).
    /// </summary>
    public PyObjectPtr TpDict { get; }

    /// <summary><c>tp_mro</c>: the type, then its bases' MROs in order (a simple linearisation, enough for single inheritance).</summary>
    public IReadOnlyList<PyHeapType> Mro { get; }

    /// <summary><c>tp_subclasses</c>.</summary>
    public IReadOnlyList<PyHeapType> Subclasses => _subclasses;

    /// <inheritdoc/>
    public override string ToString() => Name;
}
