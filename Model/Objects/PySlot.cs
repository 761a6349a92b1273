using Sim.Model.Mimalloc;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects;

/// <summary>
/// A <c>PyObject **</c>: a pointer word inside a block, such as <c>&amp;ob_item[i]</c> of a list's item array, which lock-free
/// readers load and writers store with atomics. Loads and stores go through the container's checked body
/// (<see cref="MiBody"/>): reading a slot of freed memory is a use after free, reading one never written an uninitialised
/// read.
/// </summary>
/// <param name="Container">The block's pointer (the array, or the object that holds the slot).</param>
/// <param name="Word">Which body word of the block.</param>
/// <param name="Checker">The heap checker.</param>
/// <param name="Field">The slot's name in traces and reports (<c>L.ob_item[0]</c>); by default the container and word.</param>
public readonly record struct PySlot(MiPtr Container, int Word, MiHeapChecker Checker, string? Field = null)
{
    /// <summary><c>_Py_atomic_load_ptr</c> (with the given order) of the slot.</summary>
    public PyObjectPtr? Load(MemoryOrder order = MemoryOrder.SeqCst) =>
        Checker.Body(Container).LoadPtr(Word, order, ToString()) as PyObjectPtr;

    /// <summary><c>_Py_atomic_store_ptr</c> (with the given order) into the slot.</summary>
    public void Store(PyObjectPtr? value, MemoryOrder order = MemoryOrder.SeqCst) =>
        Checker.Body(Container).StorePtr(Word, value, order, ToString());

    /// <inheritdoc/>
    public override string ToString() => Field ?? $"{Container.Name}.w{Word}";
}
