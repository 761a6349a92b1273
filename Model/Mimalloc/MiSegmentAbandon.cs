namespace Sim.Model.Mimalloc;

/// <summary>
/// The abandoned-segment paths of <c>Objects/mimalloc/segment.c</c> (CPython's copy of mimalloc 2.1 with its QSBR hooks,
/// 3.13; gh-112532 for the per-interpreter pool and <c>mi_heap_by_tag</c>): <c>mi_segment_try_reclaim</c>, which a thread
/// runs when its own segments have no free slice for a fresh page; <c>mi_segment_check_free</c>, which frees the
/// abandoned pages that other threads emptied and says whether the segment has room for the requester;
/// <c>mi_segment_reclaim</c>, which takes every page of the segment into the reclaiming thread's heap of the page's tag
/// (and frees those that emptied meanwhile); and <c>_mi_abandoned_collect</c>, run as a thread abandons its heaps at exit,
/// which runs <c>mi_segment_check_free</c> on every abandoned segment of the interpreter's pool. Both freeing branches ask
/// <c>_PyMem_mi_page_is_safe_to_free</c> and then set <c>page-&gt;qsbr_goal = 0</c> before <c>mi_segment_page_clear</c>.
/// </summary>
/// <remarks>
/// Deviations: <c>_mi_abandoned_collect</c> runs once per exiting thread, after its four heaps are abandoned (mimalloc runs
/// it at the end of each heap's <c>mi_heap_collect_ex</c>), and visits each segment once (mimalloc pops up to
/// <c>max_tries</c> = 1024 times, and since a pop on an empty list moves the visited list back, it may look at the same
/// segments again and again); <c>mi_segment_try_purge</c> is not modelled (it only decommits).
/// </remarks>
internal static class MiSegmentAbandon
{
    /// <summary><c>mi_option_max_segment_reclaim</c>, clamped to [8, 1024] by <c>mi_segment_try_reclaim</c>: its default, 8.</summary>
    public const int MaxSegmentReclaim = 8;

    /// <summary>
    /// <c>mi_segment_try_reclaim</c>: pops up to <see cref="MaxSegmentReclaim"/> abandoned segments. Each is checked
    /// (<see cref="CheckFree"/>); one left with no page in use is reclaimed, which frees it; one with room for the request
    /// (a free slice, or a page of <paramref name="blockSize"/> with a free block, of any tag) is reclaimed and returned,
    /// with <paramref name="reclaimed"/> set if that put a page of the right size with room into <paramref name="heap"/>;
    /// one visited more than 3 times is reclaimed anyway; the others go on the visited list.
    /// </summary>
    public static MiSegment? TryReclaim(MiHeap heap, int blockSize, out bool reclaimed)
    {
        reclaimed = false;
        var pool = heap.Owner.Interp.Abandoned;
        using var scope = heap.Owner.Interp.Runtime.Enter("mi_segment_try_reclaim");
        for (var tries = MaxSegmentReclaim; tries > 0 && pool.Pop() is { } segment; tries--)
        {
            segment.AbandonedVisits++;
            var hasPage = CheckFree(segment, blockSize, heap, "mi_segment_try_reclaim");
            if (segment.Used == 0)
            {
                Reclaim(segment, heap, 0, out _);
            }
            else if (hasPage)
            {
                return Reclaim(segment, heap, blockSize, out reclaimed);
            }
            else if (segment.AbandonedVisits > 3)
            {
                Reclaim(segment, heap, 0, out _);
            }
            else
            {
                pool.VisitedPush(segment);
            }
        }

        return null;
    }

    /// <summary>
    /// <c>mi_segment_check_free</c> on an abandoned segment, called from <paramref name="caller"/> by <paramref name="heap"/>'s
    /// thread: each page collects the frees of other threads (<c>_mi_page_free_collect</c>, which clears the goal if it
    /// collected any) and is freed if it is all free and <c>_PyMem_mi_page_is_safe_to_free</c> agrees. Returns true if the
    /// segment has room for a page of <paramref name="blockSize"/>: a free slice, or a page of that block size with a free
    /// block. The tag is not looked at.
    /// </summary>
    public static bool CheckFree(MiSegment segment, int blockSize, MiHeap heap, string caller)
    {
        var interp = heap.Owner.Interp;
        using var _ = interp.Runtime.Enter($"mi_segment_check_free({segment}) from {caller}");
        interp.CheckIsolation(segment, $"{heap.Owner.TState} checks abandoned");
        var hasPage = false;
        foreach (var slice in segment.Slices)
        {
            if (slice.Page is not { } page)
            {
                hasPage = true;
                continue;
            }

            ObmallocQsbr.PageFreeCollect(page);
            if (page.AllFree && ObmallocQsbr.PageIsSafeToFree(page, heap.Owner, EmptiedAbandonedPage.GoalInCheckFree))
            {
                page.QsbrGoal = 0;
                segment.Abandoned--;
                MiSegmentsTld.PageClear(page, $"mi_segment_check_free from {caller}");
                hasPage = true;
            }
            else if (page.BlockSize == blockSize && page.HasFreeBlock)
            {
                hasPage = true;
            }
        }

        return hasPage;
    }

    /// <summary>
    /// <c>mi_segment_reclaim</c>: <paramref name="heap"/>'s thread owns the segment now. Each page joins the thread's heap of
    /// its tag (<c>mi_heap_by_tag</c>; the requester's own heap in the broken <see cref="ReclaimPolicy.AnyTag"/>), collects
    /// again (<c>_mi_page_free_collect</c>: frees may have arrived since <see cref="CheckFree"/>), and is freed if all free
    /// and safe; otherwise <c>_mi_page_reclaim</c> keeps it, and <c>_PyMem_mi_page_reclaimed</c> puts an empty one that has
    /// a goal on the thread's <c>page_list</c>. <paramref name="rightPageReclaimed"/> is set if a page of
    /// <paramref name="requestedBlockSize"/> with a free block joined <paramref name="heap"/> itself. A segment left with no
    /// page in use is freed (null is returned).
    /// </summary>
    public static MiSegment? Reclaim(MiSegment segment, MiHeap heap, int requestedBlockSize, out bool rightPageReclaimed)
    {
        rightPageReclaimed = false;
        var owner = heap.Owner;
        var interp = owner.Interp;
        using var _ = interp.Runtime.Enter($"mi_segment_reclaim({segment})");
        interp.CheckIsolation(segment, $"{owner.TState} reclaims abandoned");
        interp.Runtime.Note($"{owner.TState} reclaims abandoned {segment.Describe()} for its {heap.Tag.Describe()} heap");
        segment.AbandonedVisits = 0;
        owner.Segments.Take(segment);
        foreach (var slice in segment.Slices)
        {
            if (slice.Page is not { } page)
            {
                continue;
            }

            var target = interp.Design.Reclaim == ReclaimPolicy.AnyTag ? heap : owner.Heap(page.Tag);
            interp.CheckIsolation(page, $"{owner.TState} reclaims abandoned");
            segment.Abandoned--;
            page.SetHeap(target);
            ObmallocQsbr.PageFreeCollect(page);
            if (page.AllFree && ObmallocQsbr.PageIsSafeToFree(page, owner, EmptiedAbandonedPage.GoalInReclaim))
            {
                page.QsbrGoal = 0;
                MiSegmentsTld.PageClear(page, "mi_segment_reclaim");
            }
            else
            {
                target.Reclaim(page);
                if (page.BlockSize == requestedBlockSize && page.HasFreeBlock && ReferenceEquals(target, heap))
                {
                    rightPageReclaimed = true;
                }
            }
        }

        if (segment.Used == 0)
        {
            owner.Segments.Free(segment);
            return null;
        }

        return segment;
    }

    /// <summary>
    /// <c>_mi_abandoned_collect(heap, force: false)</c> at the exit of <paramref name="heap"/>'s thread: every abandoned
    /// segment of the interpreter's pool (its own, just abandoned, and other threads') goes through <see cref="CheckFree"/>;
    /// one left with no page in use is reclaimed, which frees it; the others go on the visited list.
    /// </summary>
    public static void AbandonedCollect(MiHeap heap)
    {
        var pool = heap.Owner.Interp.Abandoned;
        using var scope = heap.Owner.Interp.Runtime.Enter("_mi_abandoned_collect");
        var seen = new HashSet<MiSegment>();
        while (pool.Pop() is { } segment)
        {
            if (!seen.Add(segment))
            {
                pool.VisitedPush(segment);
                return;
            }

            CheckFree(segment, 0, heap, $"_mi_abandoned_collect at {heap.Owner.TState}'s exit");
            if (segment.Used == 0)
            {
                Reclaim(segment, heap, 0, out _);
            }
            else
            {
                pool.VisitedPush(segment);
            }
        }
    }
}
