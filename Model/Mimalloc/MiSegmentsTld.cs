namespace Sim.Model.Mimalloc;

/// <summary>
/// A thread's segments (<c>mi_segments_tld_t</c>, in the <c>mi_tld_t</c> its four heaps share;
/// <c>Objects/mimalloc/segment.c</c>, CPython 3.13): the free spans of the segments it owns (<c>spans</c>, the span
/// queues), from which it carves every fresh page; a segment allocated or reclaimed when there is none; and the page-free
/// and page-abandon steps that free or abandon a whole segment once its pages are all free or all abandoned. Owner only.
/// </summary>
/// <remarks>Deviation: one queue of free slices, last freed first reused (mimalloc keeps queues per span size).</remarks>
internal sealed class MiSegmentsTld
{
    private readonly List<MiSlice> _spans = [];

    internal MiSegmentsTld(MimallocThreadState owner) => Owner = owner;

    /// <summary>The thread's mimalloc state.</summary>
    public MimallocThreadState Owner { get; }

    private MimallocInterpState Interp => Owner.Interp;

    /// <summary>
    /// <c>mi_segments_page_alloc</c> for a page of <paramref name="heap"/> with <paramref name="blockSize"/>-byte blocks: a
    /// free slice of one of the thread's segments (<c>mi_segments_page_find_and_allocate</c>), or, with none, a segment
    /// reclaimed or allocated (<c>mi_segment_reclaim_or_alloc</c>) and another look. Returns null if reclaiming put a page of
    /// the right size with room into <paramref name="heap"/> (<c>right_page_reclaimed</c>): the caller looks in its queue again.
    /// </summary>
    public MiSlice? PageAlloc(MiHeap heap, int blockSize)
    {
        while (true)
        {
            if (_spans.Count > 0)
            {
                var slice = _spans[^1];
                _spans.RemoveAt(_spans.Count - 1);
                slice.Segment!.Used++;
                return slice;
            }

            if (ReclaimOrAlloc(heap, blockSize) is null)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// <c>mi_segment_reclaim_or_alloc</c>: try to reclaim an abandoned segment (<see cref="MiSegmentAbandon.TryReclaim"/>); if
    /// that put the right page in the heap, null; if it reclaimed a segment with a free span, that segment; else a fresh one
    /// (<c>mi_segment_alloc</c>).
    /// </summary>
    private MiSegment? ReclaimOrAlloc(MiHeap heap, int blockSize)
    {
        var segment = MiSegmentAbandon.TryReclaim(heap, blockSize, out var reclaimed);
        if (reclaimed)
        {
            return null;
        }

        return segment ?? Alloc();
    }

    /// <summary><c>mi_segment_alloc</c>: a segment from the arena, owned by this thread, all its slices free.</summary>
    private MiSegment Alloc()
    {
        var segment = Interp.Arena.AllocSegment();
        segment.Used = 0;
        segment.Abandoned = 0;
        segment.AbandonedVisits = 0;
        Take(segment);
        Interp.Runtime.Note($"{Owner.TState} allocates {segment.Describe()}");
        return segment;
    }

    /// <summary>
    /// The thread becomes the segment's owner (<c>segment-&gt;thread_id</c>, set by <c>mi_segment_alloc</c> and
    /// <c>mi_segment_reclaim</c>) and its free slices join the span queue.
    /// </summary>
    public void Take(MiSegment segment)
    {
        segment.Owner = this;
        foreach (var slice in segment.Slices)
        {
            if (slice.Page is null)
            {
                _spans.Add(slice);
            }
        }
    }

    /// <summary>
    /// <c>mi_segment_page_clear</c>: frees an empty page (also an abandoned one, from <c>mi_segment_check_free</c> or
    /// <c>mi_segment_reclaim</c>); its slice is free, and joins the span queue of the segment's owner, if it has one.
    /// <paramref name="via"/> names the function that decided to free it, for reports.
    /// </summary>
    public static void PageClear(MiPage page, string via)
    {
        var interp = page.Interp;
        var segment = page.Slice.Segment!;
        interp.Checker.OnPageFree(page, via);
        page.SetHeap(null);
        page.MarkFreed(interp.Runtime.CurrentThread.ToString());
        page.Slice.Assign(null);
        segment.Used--;
        segment.Owner?._spans.Add(page.Slice);
        interp.Runtime.Note($"{interp.Runtime.CurrentThread} frees {page.Describe()} in {via}; slice {page.Slice.Name} of {segment.Name} is free");
    }

    /// <summary>
    /// <c>_mi_segment_page_free</c>: the owner frees an empty page; a segment with no page left is freed, one whose pages are
    /// all abandoned is abandoned.
    /// </summary>
    public void PageFree(MiPage page, string via)
    {
        var segment = page.Slice.Segment!;
        PageClear(page, via);
        if (segment.Used == 0)
        {
            Free(segment);
        }
        else if (segment.Used == segment.Abandoned)
        {
            Abandon(segment);
        }
    }

    /// <summary>
    /// <c>_mi_segment_page_abandon</c>: the page (already out of its heap) counts as abandoned; once every page in use is
    /// abandoned, the whole segment is (<c>mi_segment_abandon</c>).
    /// </summary>
    public void PageAbandon(MiPage page)
    {
        var segment = page.Slice.Segment!;
        segment.Abandoned++;
        if (segment.Used == segment.Abandoned)
        {
            Abandon(segment);
        }
    }

    /// <summary>
    /// <c>mi_segment_abandon</c>: the free slices leave the span queue, the segment has no owner, its visit count is 1, and
    /// it is pushed on the interpreter's pool (<c>mi_abandoned_push(tld-&gt;abandoned, segment)</c>).
    /// </summary>
    private void Abandon(MiSegment segment)
    {
        RemoveSpans(segment);
        segment.Owner = null;
        segment.AbandonedVisits = 1;
        Interp.Runtime.Note($"{Owner.TState} abandons {segment.Describe()}");
        Interp.Abandoned.Push(segment);
    }

    /// <summary><c>mi_segment_free</c>: the segment's free slices leave the span queue, and its memory goes back to the arena.</summary>
    public void Free(MiSegment segment)
    {
        RemoveSpans(segment);
        segment.Owner = null;
        Interp.Runtime.Note($"{Owner.TState} frees segment {segment.Name}");
        Interp.Arena.FreeSegment(segment);
    }

    /// <summary>True if the thread owns no segment with a free slice (for checks).</summary>
    public bool HasNoSpans => _spans.Count == 0;

    private void RemoveSpans(MiSegment segment) => _spans.RemoveAll(s => ReferenceEquals(s.Segment, segment));
}
