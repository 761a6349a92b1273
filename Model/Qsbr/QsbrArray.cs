using Sim.Model.Mimalloc;

namespace Sim.Model.Qsbr;

/// <summary>
/// <c>array</c> and <c>size</c> of <c>struct _qsbr_shared</c>: a block of raw memory (<c>PyMem_RawCalloc</c>) holding the
/// per-thread states, one <c>struct _qsbr_pad</c> (a 64-byte cache line, <see cref="PadWords"/> words) each, and the
/// states' views (<see cref="Slots"/>). Replaced as a whole when it grows; the old block is then freed.
/// </summary>
/// <param name="Memory">The block, or null before the first growth (<c>size</c> 0).</param>
/// <param name="Slots">The states, one per pad of the block.</param>
/// <remarks>
/// Layout deviation: only <c>seq</c>, the field other threads read (<c>qsbr_poll_scan</c>), lives in the block (word 0 of
/// its pad); <c>deferrals</c>, <c>allocated</c>, <c>freelist_next</c> and <c>tstate</c>, which only the owner or the holder of
/// the shared mutex touches, are fields of the views, copied to the new views when the array grows.
/// </remarks>
public sealed record QsbrArray(MemPtr? Memory, IReadOnlyList<QsbrThreadState> Slots)
{
    /// <summary>The words of one <c>struct _qsbr_pad</c> (64 bytes).</summary>
    public const int PadWords = 8;

    /// <summary><c>size</c>.</summary>
    public int Size => Slots.Count;

    /// <inheritdoc/>
    public override string ToString() => Memory is null ? "no array" : $"{Size} slots in {Memory.Block.Name}";
}
