using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Mimalloc;

/// <summary>
/// One 8-byte word of a block's body: an integer field (<c>Py_ssize_t</c>, <c>uint64_t</c>) or a pointer field
/// (<c>PyObject *</c>, <c>void *</c>), whichever the program stores there. Both views are cells named after the word
/// (<c>s3v1.b0.w2</c>); the checker remembers which allocation last wrote the word and as what (<see cref="Kind"/>), so that a read of a word
/// the current allocation never wrote (garbage, as mimalloc hands it out) or wrote as the other kind is reported.
/// </summary>
/// <remarks>
/// Layout deviation: the integer and the pointer view are two cells, not one machine word; the checker's record of the
/// last write (<see cref="WrittenBy"/>, <see cref="Kind"/>) says which one is meaningful.
/// </remarks>
public sealed class MiWord
{
    private volatile MiAllocation? _writtenBy;
    private volatile int _kind;

    internal MiWord(SimRuntime runtime, string name, int index)
    {
        Index = index;
        Int = new AtomicLong(runtime, name);
        Ptr = new AtomicRef<MiPtr>(runtime, name);
    }

    /// <summary>The word's index in the body.</summary>
    public int Index { get; }

    /// <summary>The word read or written as an integer.</summary>
    public AtomicLong Int { get; }

    /// <summary>The word read or written as a pointer.</summary>
    public AtomicRef<MiPtr> Ptr { get; }

    /// <summary>The allocation that last wrote the word (the checker's view), or null if none ever did.</summary>
    public MiAllocation? WrittenBy => _writtenBy;

    /// <summary>What the last write stored: zero (the allocator's <c>memset</c>), an integer or a pointer.</summary>
    public MiWordKind Kind => (MiWordKind)_kind;

    internal void RecordWrite(MiAllocation allocation, bool pointer)
    {
        _kind = (int)(pointer ? MiWordKind.Pointer : MiWordKind.Integer);
        _writtenBy = allocation;
    }

    /// <summary>
    /// A <c>memcpy</c> of the word, as <paramref name="from"/> holds it, into <paramref name="to"/> for
    /// <paramref name="into"/>, with no scheduling point (the copy is not yet published, and the source is read under the
    /// lock its writers hold). A word that <paramref name="from"/> never wrote is garbage: it stays garbage in the copy.
    /// </summary>
    internal void CopyTo(MiWord to, MiAllocation from, MiAllocation into)
    {
        if (!ReferenceEquals(_writtenBy, from))
        {
            return;
        }

        to.Int.Reinitialize(Int.Peek());
        to.Ptr.Reinitialize(Ptr.Peek());
        to._kind = _kind;
        to._writtenBy = into;
    }

    /// <summary>The allocator zeroes the word for <paramref name="allocation"/> (a <c>memset</c> of a block no other thread may use yet).</summary>
    internal void Zero(MiAllocation allocation)
    {
        Int.Reinitialize(0);
        Ptr.Reinitialize(null);
        _kind = (int)MiWordKind.Zero;
        _writtenBy = allocation;
    }
}

/// <summary>What a body word holds, as the checker last saw it written.</summary>
public enum MiWordKind
{
    /// <summary>Zero bytes: reads as 0 or NULL.</summary>
    Zero,

    /// <summary>An integer.</summary>
    Integer,

    /// <summary>A pointer.</summary>
    Pointer,
}
