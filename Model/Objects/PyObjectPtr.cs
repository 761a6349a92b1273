using Sim.Model.Mimalloc;

namespace Sim.Model.Objects;

/// <summary>
/// A <c>PyObject *</c>: the address of a heap block holding an object. Every access to the header goes through the block's
/// cells (<see cref="PyObjectHeader"/>), so a stale pointer reads what the block holds now.
/// </summary>
public sealed class PyObjectPtr : MiPtr
{
    internal PyObjectPtr(MiAllocation allocation)
        : base(allocation)
    {
    }

    /// <summary><c>Py_TYPE(op)</c> of the object the pointer was taken from.</summary>
    public PyTypeObject Type => Allocation.Type!;
}
