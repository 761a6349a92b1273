using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Mimalloc;

/// <summary>
/// One block of a page: the memory an object or a raw allocation lives in. The object header is part of the block, as
/// in C: <c>ob_tid</c>, <c>ob_gc_bits</c>, <c>ob_ref_local</c> and <c>ob_ref_shared</c> are cells of the block, not of a C#
/// object that would outlive the memory, so a new object in the same block re-initialises the same cells, and a reader
/// with a stale pointer sees the new object's header. The body is <see cref="WordCount"/> 8-byte words
/// (<see cref="MiWord"/>), each an integer or a pointer field: a list's <c>ob_size</c> and <c>ob_item</c>, a list's item
/// array (<c>allocated</c>, <c>ob_item[]</c>), a dict's keys, QSBR's thread array. Words are created on first use, so
/// a block of any size costs only the words a program touches.
/// </summary>
/// <remarks>
/// Layout deviation: the header fields and the body words are separate cells rather than overlapping bytes; raw memory
/// uses only the body, whose word 0 is the block's first word. The cells keep the block's name
/// (<c>s3v1.b0.ob_ref_shared</c>, <c>s3v1.b0.w1</c>) whatever allocation they hold.
/// </remarks>
public sealed class MiBlock
{
    private readonly SimRuntime _runtime;
    private readonly MiWord?[] _words;
    private volatile MiAllocation? _current;

    internal MiBlock(SimRuntime runtime, MiPage page, int index, LockDesign locks)
    {
        Page = page;
        Index = index;
        Name = $"{page.Name}.b{index}";
        ObTid = new AtomicLong(runtime, $"{Name}.ob_tid");
        ObMutex = new PyMutex(runtime, $"{Name}.ob_mutex", locks);
        ObGcBits = new AtomicInt(runtime, $"{Name}.ob_gc_bits");
        ObRefLocal = new PlainCell<uint>(runtime, $"{Name}.ob_ref_local");
        ObRefShared = new AtomicLong(runtime, $"{Name}.ob_ref_shared");
        _runtime = runtime;
        _words = new MiWord?[WordCount];
    }

    /// <summary>How many 8-byte words the body has: the size class in words.</summary>
    public int WordCount => Math.Max(1, Page.BlockSize / 8);

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

    /// <summary><c>ob_ref_local</c>: the owner's count; only the owner writes it (<see cref="Objects.PyObjectHeader"/> checks).</summary>
    public PlainCell<uint> ObRefLocal { get; }

    /// <summary><c>ob_ref_shared</c>: the shared count and its flags (<see cref="Objects.RefcountBits"/>).</summary>
    public AtomicLong ObRefShared { get; }

    /// <summary>
    /// Word <paramref name="index"/> of the body, unchecked: programs read and write it through a pointer with
    /// <see cref="MiBody"/>, which the checker watches.
    /// </summary>
    public MiWord Word(int index)
    {
        if ((uint)index >= (uint)_words.Length)
        {
            _runtime.Fail($"{MiHeapChecker.MemoryError}: out of bounds: {_runtime.CurrentThread} accesses word {index} of block {Name}, whose {Page.BlockSize}-byte size class has {_words.Length} words");
        }

        if (Volatile.Read(ref _words[index]) is { } word)
        {
            return word;
        }

        Interlocked.CompareExchange(ref _words[index], new MiWord(_runtime, $"{Name}.w{index}", index), null);
        return _words[index]!;
    }

    /// <summary>
    /// The allocator's <c>memset</c> of the body for a zeroed allocation: every word reads as 0 or NULL until written. Done
    /// without scheduling points (the block is not yet published); words created later start at zero anyway.
    /// </summary>
    internal void ZeroBody(MiAllocation allocation)
    {
        foreach (var word in _words)
        {
            word?.Zero(allocation);
        }
    }

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
