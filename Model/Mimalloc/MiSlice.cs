namespace Sim.Model.Mimalloc;

/// <summary>
/// A page-sized span of mimalloc memory: the slices of a segment (<c>mi_slice_t</c>) that a page occupies. A freed page
/// gives its slice back; the next fresh page of the same thread (any size class, any of its four heaps) or, once the
/// thread has exited, of any thread takes it. That reassignment is what turns a stale pointer into a pointer to
/// unrelated memory, and what QSBR delays for pages that held objects.
/// </summary>
/// <remarks>
/// Deviation: mimalloc hands out slices of per-thread segments and returns whole segments to an arena; the model keeps a
/// flat arena of page-sized slices (<see cref="MiArena"/>), a per-thread list of freed ones, and a pool of the freed
/// slices of exited threads. Reuse is as prompt as mimalloc's (last freed, first reused).
/// </remarks>
public sealed class MiSlice
{
    private volatile MiPage? _page;

    internal MiSlice(int index, string prefix = "s")
    {
        Index = index;
        Name = $"{prefix}{index}";
    }

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
