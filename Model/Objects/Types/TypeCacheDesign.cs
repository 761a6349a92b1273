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
/// <param name="VersionBeforeFind">
/// True (gh-132942, PR #133032, backported to the 3.13 branch by PR #133114 in April 2025, after 3.13.0): the slow path of
/// <c>_PyType_LookupRef</c> assigns the version tag before <c>find_name_in_mro</c> and fills the entry for that version,
/// so that a modification made while the find was blocked (its critical sections suspended) leaves the entry with an
/// outdated version. False (3.13.0): the version is assigned after the find, and can be newer than the value found.
/// </param>
/// <param name="VersionStoredLast">
/// True (gh-132942): <c>update_cache</c> stores the value, then the name, then the version (release), so that a reader that
/// matches the new version sees a value at least as new. False (3.13.0): the version first, then the value, then the name.
/// </param>
public sealed record TypeCacheDesign(bool SeqLock, int SizeExp, bool VersionBeforeFind = true, bool VersionStoredLast = true)
{
    /// <summary>CPython 3.13's free-threaded cache, on the 3.13 branch after gh-132942 (16 entries in the model).</summary>
    public static TypeCacheDesign Cpython313 { get; } = new(SeqLock: true, SizeExp: 4);

    /// <summary>CPython 3.13.0's free-threaded cache: before gh-132942's two fixes.</summary>
    public static TypeCacheDesign Cpython3130 { get; } = new(SeqLock: true, SizeExp: 4, VersionBeforeFind: false, VersionStoredLast: false);

    /// <summary>The default build's unsynchronised cache, with the GIL disabled (before gh-113743, and so before gh-132942).</summary>
    public static TypeCacheDesign Unsynchronized { get; } = new(SeqLock: false, SizeExp: 4, VersionBeforeFind: false, VersionStoredLast: false);
}
