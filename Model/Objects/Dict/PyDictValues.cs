using Sim.Model.Mimalloc;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects.Dict;

/// <summary>
/// A <c>PyDictValues *</c> (<c>Include/internal/pycore_dict.h</c>, 3.13): the values of a split dict, one raw block from
/// <c>PyMem_Malloc</c> (<c>new_values</c>). Words: 0 <c>capacity</c>, then <c>values[capacity]</c>, indexed like the
/// shared keys' entries.
/// </summary>
/// <remarks>
/// Deviations: <c>size</c>, <c>embedded</c>, <c>valid</c> and the insertion-order bytes are not modelled (values are never
/// inline; iteration order is the entries' order).
/// </remarks>
/// <param name="Ptr">The pointer to the block.</param>
/// <param name="Checker">The heap checker.</param>
public readonly record struct PyDictValues(MemPtr Ptr, MiHeapChecker Checker)
{
    /// <summary><c>_Py_atomic_load_uint8_relaxed(&amp;values-&gt;capacity)</c>.</summary>
    public long LoadCapacity() => Checker.Body(Ptr).LoadInt(0, MemoryOrder.Relaxed, $"{Ptr.Name}.capacity");

    /// <summary><c>&amp;values-&gt;values[ix]</c>.</summary>
    public PySlot Value(long ix) => new(Ptr, 1 + (int)ix, Checker, $"{Ptr.Name}.values[{ix}]");

    /// <summary>The number of bytes <c>new_values</c> allocates for <paramref name="capacity"/> values (model layout).</summary>
    internal static int BytesFor(int capacity) => 8 * (1 + capacity);

    /// <summary><c>new_values</c> and <c>new_dict_with_shared_keys</c>: the capacity, then every value NULL (plain stores).</summary>
    internal void Initialize(int capacity)
    {
        Checker.Body(Ptr).StoreInt(0, capacity, MemoryOrder.Relaxed, $"{Ptr.Name}.capacity");
        for (var i = 0; i < capacity; i++)
        {
            Value(i).Store(null, MemoryOrder.Relaxed);
        }
    }
}
