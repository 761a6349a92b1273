namespace Sim.Model.Objects.Types;

/// <summary>The design of the type attribute cache (<see cref="TypesState"/>): which of its free-threading changes are in.</summary>
/// <param name="SeqLock">
/// True: each entry has a <c>_PySeqLock</c>; writers update it in a write section and readers retry if the sequence
/// changed (gh-113743, PR #113930, 3.13). False: the cache of the default build, read and written with no
/// synchronisation, as it was before that change: safe under the GIL, torn without it.
/// </param>
/// <param name="SizeExp">
/// <c>MCACHE_SIZE_EXP</c>: the cache has 2^SizeExp entries. CPython has 12 (4,096 entries); the model's default is 4, and a
/// scenario that needs two lookups to collide uses 0 (one entry).
/// </param>
public sealed record TypeCacheDesign(bool SeqLock, int SizeExp)
{
    /// <summary>CPython 3.13's free-threaded cache (16 entries in the model).</summary>
    public static TypeCacheDesign Cpython313 { get; } = new(SeqLock: true, SizeExp: 4);

    /// <summary>The default build's unsynchronised cache, with the GIL disabled (before gh-113743).</summary>
    public static TypeCacheDesign Unsynchronized { get; } = new(SeqLock: false, SizeExp: 4);
}
