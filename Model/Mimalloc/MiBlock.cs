using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Mimalloc;

/// <summary>
/// One block of a page: the memory an object or a raw allocation lives in. The object header is part of the block, as
/// in C: <c>ob_tid</c>, <c>ob_gc_bits</c>, <c>ob_ref_local</c> and <c>ob_ref_shared</c> are cells of the block, not of a C#
/// object that would outlive the memory, so a new object in the same block re-initialises the same cells, and a reader
/// with a stale pointer sees the new object's header. The body is a size word and a few pointer words, enough for a
/// list (<c>ob_size</c>, <c>ob_item</c>) or a list's item array (<c>allocated</c>, <c>ob_item[]</c>).
/// </summary>
/// <remarks>
/// Layout deviation: the header fields and the body words are separate cells rather than overlapping bytes; raw memory
/// uses only the body. The cells keep the block's name (<c>s3v1.b0.ob_ref_shared</c>) whatever allocation they hold.
/// </remarks>
public sealed class MiBlock
{
    private volatile MiAllocation? _current;

    internal MiBlock(SimRuntime runtime, MiPage page, int index, LockDesign locks)
    {
        Page = page;
        Index = index;
        Name = $"{page.Name}.b{index}";
        ObTid = new AtomicLong(runtime, $"{Name}.ob_tid");
        ObMutex = new PyMutex(runtime, $"{Name}.ob_mutex", locks);
        ObGcBits = new AtomicInt(runtime, $"{Name}.ob_gc_bits");
        ObRefLocal = new AtomicInt(runtime, $"{Name}.ob_ref_local") { FormatValue = v => unchecked((uint)v) == Objects.RefcountBits.ImmortalRefcntLocal ? "_Py_IMMORTAL_REFCNT_LOCAL" : string.Empty };
        ObRefShared = new AtomicLong(runtime, $"{Name}.ob_ref_shared") { FormatValue = Objects.RefcountBits.Describe };
        Size = new AtomicLong(runtime, $"{Name}.size");
        var words = Math.Max(1, (page.BlockSize - 8) / 8);
        Items = [.. Enumerable.Range(0, words).Select(i => new AtomicRef<MiPtr>(runtime, $"{Name}.item[{i}]"))];
    }

    /// <summary>The page.</summary>
    public MiPage Page { get; }

    /// <summary>The block's index in its page.</summary>
    public int Index { get; }

    /// <summary>The block's name: its page's name and index (<c>s3v1.b0</c>).</summary>
    public string Name { get; }

    /// <summary><c>ob_tid</c>: the owning thread's id, 0 once merged; mimalloc's free-list link while the block is free.</summary>
    public AtomicLong ObTid { get; }

    /// <summary><c>ob_mutex</c>: the object's lock, which critical sections on the object take.</summary>
    public PyMutex ObMutex { get; }

    /// <summary><c>ob_gc_bits</c> (<see cref="Objects.PyGcBits"/>): set with a relaxed load and store under the object's lock.</summary>
    public AtomicInt ObGcBits { get; }

    /// <summary>
    /// <c>ob_ref_local</c> (a <c>uint32_t</c>, held as its bits): the owner's count; only the owner writes it
    /// (<see cref="Objects.PyObjectHeader"/> checks). Every thread reads it with <c>_Py_atomic_load_uint32_relaxed</c>
    /// (<c>Py_INCREF</c>'s immortality test, <c>_Py_TryIncrefFast</c>) and the owner stores it with
    /// <c>_Py_atomic_store_uint32_relaxed</c> (<c>Include/object.h</c>, 3.13), so it is a relaxed atomic cell, not a plain one.
    /// </summary>
    public AtomicInt ObRefLocal { get; }

    /// <summary><c>ob_ref_shared</c>: the shared count and its flags (<see cref="Objects.RefcountBits"/>).</summary>
    public AtomicLong ObRefShared { get; }

    /// <summary>The body's size word: <c>ob_size</c> of a list, <c>allocated</c> of a list's item array.</summary>
    public AtomicLong Size { get; }

    /// <summary>The body's pointer words: <c>ob_item</c> of a list, the items of an item array.</summary>
    public IReadOnlyList<AtomicRef<MiPtr>> Items { get; }

    /// <summary>The allocation the block holds now, or null while it is free (the checker's view, no scheduling point).</summary>
    public MiAllocation? CurrentForCheck => _current;

    /// <summary>The last allocation the block held (the current one while it is live).</summary>
    internal MiAllocation? LastAllocation { get; private set; }

    internal void SetCurrent(MiAllocation? allocation)
    {
        LastAllocation = allocation ?? LastAllocation;
        _current = allocation;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
