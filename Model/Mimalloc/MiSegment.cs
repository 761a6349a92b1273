namespace Sim.Model.Mimalloc;

/// <summary>
/// A mimalloc segment (<c>mi_segment_t</c>, <c>Objects/mimalloc/segment.c</c>, CPython 3.13): a fixed run of page-sized
/// slices that one thread owns (<c>thread_id</c>) and carves its pages from, whatever their heap or tag. It counts its pages
/// in use (<c>used</c>) and those of them abandoned (<c>abandoned</c>); once every page in use is abandoned it goes, whole,
/// to the interpreter's pool (<see cref="MiAbandonedPool"/>), and whoever reclaims it takes all its pages. When its last
/// page is freed it is freed (<c>mi_segment_free</c>) and its memory goes back to the arena, to be any thread's next segment.
/// </summary>
/// <remarks>
/// The owner-only fields are plain fields, as in C: the owner, or the one thread that popped the abandoned segment from
/// the pool, touches them. Deviations: every slice can hold a page (mimalloc keeps the first slices for the segment's own
/// info); a page is one slice, so spans never coalesce; no commit or purge state (<c>mi_segment_try_purge</c> only
/// decommits memory, which the model does not have).
/// </remarks>
public sealed class MiSegment
{
    private volatile MiSegmentsTld? _owner;

    internal MiSegment(MimallocInterpState interp, int index, IReadOnlyList<MiSlice> slices)
    {
        Interp = interp;
        Index = index;
        Name = $"seg{index}";
        Slices = slices;
    }

    /// <summary>The interpreter whose arena holds the segment.</summary>
    public MimallocInterpState Interp { get; }

    /// <summary>The segment's index in the arena.</summary>
    public int Index { get; }

    /// <summary>The segment's name in traces and reports (<c>seg2</c>).</summary>
    public string Name { get; }

    /// <summary>The slices, each free or holding one page.</summary>
    public IReadOnlyList<MiSlice> Slices { get; }

    /// <summary><c>thread_id</c>: the segments of the thread that owns the segment, or null while abandoned or freed.</summary>
    internal MiSegmentsTld? Owner
    {
        get => _owner;
        set => _owner = value;
    }

    /// <summary><c>used</c>: pages in use (owner only).</summary>
    public int Used { get; internal set; }

    /// <summary><c>abandoned</c>: pages in use that are abandoned (owner only).</summary>
    public int Abandoned { get; internal set; }

    /// <summary>
    /// <c>abandoned_visits</c>: 0 while owned, 1 once abandoned, one more at each visit of <c>mi_segment_try_reclaim</c>,
    /// which reclaims the segment anyway once it is above 3.
    /// </summary>
    public int AbandonedVisits { get; internal set; }

    /// <summary>True once freed (<c>mi_segment_free</c>), until the arena hands the memory out again.</summary>
    public bool IsFreed { get; internal set; }

    /// <summary>The pages in use, in slice order.</summary>
    public IEnumerable<MiPage> Pages => Slices.Select(s => s.Page).OfType<MiPage>();

    /// <summary>One line for reports.</summary>
    public string Describe() => $"segment {Name} ({string.Join(", ", Slices.Select(s => s.Page?.Name ?? $"{s.Name} free"))})";

    /// <inheritdoc/>
    public override string ToString() => Name;
}
