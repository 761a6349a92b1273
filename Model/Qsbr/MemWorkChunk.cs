using Sim.Model.Mimalloc;

namespace Sim.Model.Qsbr;

/// <summary>
/// <c>struct _mem_work_item</c> (<c>Objects/obmalloc.c</c>, 3.13): a pointer to free once the QSBR read sequence reaches
/// <paramref name="QsbrGoal"/>.
/// </summary>
/// <remarks>
/// Deviation: in C the lowest bit of the pointer marks memory to free with <c>PyObject_Free</c>
/// (<c>_PyObject_FreeDelayed</c>); the model queues raw memory only (<c>_PyMem_FreeDelayed</c>), and both frees are
/// <c>mi_free</c> here.
/// </remarks>
/// <param name="Ptr">The memory.</param>
/// <param name="QsbrGoal">The goal.</param>
public sealed record MemWorkItem(MiPtr Ptr, long QsbrGoal);

/// <summary>
/// <c>struct _mem_work_chunk</c>: a fixed-size buffer of work items with a read index and a write index, one node of a
/// delayed-free queue.
/// </summary>
/// <remarks>Deviation: chunks are C# objects, not <c>PyMem_Calloc</c> blocks of the simulated heap, and allocating one never fails.</remarks>
public sealed class MemWorkChunk
{
    internal MemWorkChunk(int capacity) => Items = new MemWorkItem[capacity];

    /// <summary><c>array</c>: <c>WORK_ITEMS_PER_CHUNK</c> items.</summary>
    public MemWorkItem?[] Items { get; }

    /// <summary><c>rd_idx</c>: the next item to read.</summary>
    public int RdIdx { get; internal set; }

    /// <summary><c>wr_idx</c>: the next item to write.</summary>
    public int WrIdx { get; internal set; }

    /// <summary>True if every slot was written.</summary>
    public bool IsFull => WrIdx == Items.Length;

    /// <summary>The items written and not yet read.</summary>
    public IEnumerable<MemWorkItem> Pending => Items.Skip(RdIdx).Take(WrIdx - RdIdx).Select(i => i!);
}
