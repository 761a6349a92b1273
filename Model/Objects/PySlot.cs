using Sim.Model.Mimalloc;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects;

/// <summary>
/// A <c>PyObject **</c>: a pointer word inside a block, such as <c>&amp;ob_item[i]</c> of a list's item array, which lock-free
/// readers load and writers store with atomics. Loads and stores are checked against the container's allocation: reading
/// a slot of freed raw memory is a use after free.
/// </summary>
/// <param name="Container">The block's pointer (the array, or the object that holds the slot).</param>
/// <param name="Index">Which pointer word of the block.</param>
/// <param name="Checker">The heap checker.</param>
public readonly record struct PySlot(MiPtr Container, int Index, MiHeapChecker Checker)
{
    private AtomicRef<MiPtr> Cell => Container.Block.Items[Index];

    /// <summary><c>_Py_atomic_load_ptr</c> (with the given order) of the slot.</summary>
    public PyObjectPtr? Load(MemoryOrder order = MemoryOrder.SeqCst)
    {
        var value = Cell.Load(order);
        Checker.CheckRead(Container, $"item[{Index}]");
        return value as PyObjectPtr;
    }

    /// <summary><c>_Py_atomic_store_ptr</c> (with the given order) into the slot.</summary>
    public void Store(PyObjectPtr? value, MemoryOrder order = MemoryOrder.SeqCst)
    {
        Cell.Store(value, order);
        Checker.CheckWrite(Container, $"item[{Index}]");
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Container.Name}[{Index}]";
}
