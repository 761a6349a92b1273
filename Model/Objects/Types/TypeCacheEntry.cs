using Sim.Model.Locks;
using Sim.Model.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects.Types;

/// <summary>
/// <c>struct type_cache_entry</c> (<c>Include/internal/pycore_typeobject.h</c>, 3.13): the version tag of the type the
/// entry was filled for, its <c>_PySeqLock</c>, the attribute name and the value (a borrowed reference, or NULL for an
/// attribute the MRO does not have). The fields are atomics with relaxed loads and stores, ordered by the sequence lock.
/// </summary>
public sealed class TypeCacheEntry
{
    internal TypeCacheEntry(SimRuntime runtime, int index)
    {
        var name = $"type_cache[{index}]";
        Version = new AtomicInt(runtime, $"{name}.version");
        Sequence = new PySeqLock(runtime, $"{name}.sequence");
        Name = new AtomicRef<PyInternedStr>(runtime, $"{name}.name");
        Value = new AtomicRef<MiPtr>(runtime, $"{name}.value");
    }

    /// <summary><c>version</c>: the <c>tp_version_tag</c> the entry was filled for (0: empty).</summary>
    public AtomicInt Version { get; }

    /// <summary><c>sequence</c>: odd while a writer updates the entry.</summary>
    public PySeqLock Sequence { get; }

    /// <summary><c>name</c>: the attribute name (<c>Py_None</c>, here null, when empty).</summary>
    public AtomicRef<PyInternedStr> Name { get; }

    /// <summary><c>value</c>: the attribute's value found in the MRO, borrowed, or NULL.</summary>
    public AtomicRef<MiPtr> Value { get; }
}
