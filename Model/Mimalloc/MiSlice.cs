namespace Sim.Model.Mimalloc;

/// <summary>
/// A page-sized slice of a segment (<c>mi_slice_t</c>): the span a page occupies. A freed page gives its slice back to
/// its segment; the next fresh page of the thread that owns the segment (any size class, any of its four heaps) takes it,
/// or, once the segment is freed, the page of whichever thread gets the segment's memory next. That reassignment is what
/// turns a stale pointer into a pointer to unrelated memory, and what QSBR delays for pages that held objects.
/// </summary>
/// <remarks>Deviation: a page is always one slice (mimalloc's spans of several slices, for larger pages, are not modelled).</remarks>
public sealed class MiSlice
{
    private volatile MiPage? _page;

    internal MiSlice(int index, string prefix = "s")
    {
        Index = index;
        Name = $"{prefix}{index}";
    }

    /// <summary>The segment the slice belongs to (null for <see cref="PyMemRaw"/>'s slices); set once, by the arena.</summary>
    public MiSegment? Segment { get; internal set; }

    /// <summary>The slice's index in the arena.</summary>
    public int Index { get; }

    /// <summary>The slice's name in traces and reports (<c>s3</c>; <c>raw0</c> for <see cref="PyMemRaw"/>'s).</summary>
    public string Name { get; }

    /// <summary>The page that occupies the slice now, or null while it is free.</summary>
    public MiPage? Page => _page;

    /// <summary>How many pages the slice has held so far; the current page's <see cref="MiPage.Version"/>.</summary>
    internal int Versions { get; private set; }

    /// <summary>Places a new page on the slice (by the thread that owns the free slice).</summary>
    internal int NextVersion() => ++Versions;

    /// <summary>Records the page now on the slice, or null when its page is freed.</summary>
    internal void Assign(MiPage? page) => _page = page;

    /// <inheritdoc/>
    public override string ToString() => Name;
}
