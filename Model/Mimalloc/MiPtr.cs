namespace Sim.Model.Mimalloc;

/// <summary>
/// A pointer into the simulated heap: the address of a block (<see cref="Block"/>), plus the allocation it was taken from,
/// for reports. Two pointers are equal in C when their addresses are: <see cref="SameAddress"/>. Dereferencing goes through
/// the block's cells, so a stale pointer reads whatever the block holds now, and the heap reports accesses that CPython's
/// rules forbid (<see cref="MiHeapChecker"/>).
/// </summary>
public abstract class MiPtr
{
    private protected MiPtr(MiAllocation allocation) => Allocation = allocation;

    /// <summary>The allocation the pointer was taken from.</summary>
    public MiAllocation Allocation { get; }

    /// <summary>The block it points to (its address).</summary>
    public MiBlock Block => Allocation.Block;

    /// <summary>The allocation's name.</summary>
    public string Name => Allocation.Label;

    /// <summary>
    /// True if the block no longer holds the allocation the pointer was taken from: it was freed, reused, or its page was
    /// freed. A checker's view, not a scheduling point.
    /// </summary>
    public bool IsStale => !ReferenceEquals(Block.CurrentForCheck, Allocation) || Block.Page.IsFreed;

    /// <summary>C pointer equality: true if both point to the same block.</summary>
    public bool SameAddress(MiPtr? other) => other is not null && ReferenceEquals(Block, other.Block);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A pointer to raw memory from <c>PyMem_Malloc</c> (a list's item array, a dict's keys).</summary>
public sealed class MemPtr : MiPtr
{
    internal MemPtr(MiAllocation allocation)
        : base(allocation)
    {
    }
}
