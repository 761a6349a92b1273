using Sim.Model.Objects;

namespace Sim.Model.Mimalloc;

/// <summary>
/// What the heap knows about one allocation of a block: what it holds (an object of a type, or raw memory), who allocated
/// it and who freed it. A pointer (<see cref="MiPtr"/>) names the allocation it was taken from, so a pointer that outlives
/// its allocation is recognised as stale, whatever the block holds now.
/// </summary>
/// <remarks>This is the checker's shadow of the memory, not modelled memory: reading it is never a scheduling point.</remarks>
public sealed class MiAllocation
{
    private volatile string? _freedBy;

    internal MiAllocation(MiBlock block, string label, PyTypeObject? type, string allocatedBy, bool zeroed)
    {
        Block = block;
        Label = label;
        Type = type;
        AllocatedBy = allocatedBy;
        Zeroed = zeroed;
    }

    /// <summary>The block.</summary>
    public MiBlock Block { get; }

    /// <summary>The name the program gave the allocation (<c>item1</c>, <c>ob_item of L</c>).</summary>
    public string Label { get; }

    /// <summary>The object's type, or null for raw memory (<c>PyMem_Malloc</c>).</summary>
    public PyTypeObject? Type { get; }

    /// <summary>True for an object (<c>PyObject_Malloc</c> and its GC variants), false for raw memory.</summary>
    public bool IsObject => Type is not null;

    /// <summary>
    /// True if the allocator zeroed the body (<c>PyMem_Calloc</c>, <c>mi_zalloc</c>, <c>PyType_GenericAlloc</c>'s
    /// <c>memset</c>): a word the allocation has not written reads as 0 or NULL. Otherwise such a word holds garbage and
    /// reading it is a finding.
    /// </summary>
    public bool Zeroed { get; }

    /// <summary>The thread that allocated it.</summary>
    public string AllocatedBy { get; }

    /// <summary>The thread that freed it, or null while it is live.</summary>
    public string? FreedBy => _freedBy;

    /// <summary>True once freed.</summary>
    public bool IsFreed => _freedBy is not null;

    /// <summary>The pointer handed out for this allocation.</summary>
    public MiPtr Ptr { get; internal set; } = null!;

    /// <summary>One line for reports: name, kind, block, heap, allocating thread.</summary>
    public string Describe() =>
        $"{Label} ({Type?.Name ?? "raw memory"}, block {Block.Name} of the {Block.Page.HeapName}, allocated by {AllocatedBy})";

    internal void MarkFreed(string by) => _freedBy = by;

    /// <inheritdoc/>
    public override string ToString() => Label;
}
