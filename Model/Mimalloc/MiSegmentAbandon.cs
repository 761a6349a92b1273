namespace Sim.Model.Mimalloc;

/// <summary>
/// The abandoned-segment paths of <c>Objects/mimalloc/segment.c</c> (CPython's copy of mimalloc 2.1 with its QSBR hooks,
/// 3.13; gh-112532 for the per-interpreter pool), per page: <c>mi_segment_check_free</c> frees the abandoned pages that
/// other threads emptied, <c>mi_segment_reclaim</c> takes the rest into the reclaiming thread's heaps (and frees those
/// that emptied meanwhile), and <c>_mi_abandoned_collect</c>, run by every thread as it abandons its heaps at exit, runs
/// <c>mi_segment_check_free</c> on every abandoned segment of the interpreter's pool. Both freeing branches ask
/// <c>_PyMem_mi_page_is_safe_to_free</c> and then set <c>page-&gt;qsbr_goal = 0</c> before <c>mi_segment_page_clear</c>.
/// </summary>
/// <remarks>
/// Deviations: pages, not segments, are abandoned, popped and reclaimed (a segment's other pages are not visited with
/// it); <c>_mi_abandoned_collect</c> runs once per exiting thread, after its four heaps are abandoned (mimalloc runs it at
/// the end of each heap's <c>mi_heap_collect_ex</c>), and looks at each abandoned page once (mimalloc pushes survivors
/// on a visited list, which it may revisit up to its <c>max_tries</c>).
/// </remarks>
internal static class MiSegmentAbandon
{
    /// <summary>
    /// <c>mi_segment_check_free</c>, for one abandoned page, called from <paramref name="caller"/>: collects the frees of other
    /// threads (<c>_mi_page_free_collect</c>, which clears the goal if it collected any), and frees the page if it is all
    /// free and <c>_PyMem_mi_page_is_safe_to_free</c> agrees. Returns true if freed.
    /// </summary>
    public static bool CheckFree(MiPage page, MiHeap heap, string caller)
    {
        using var _ = heap.Owner.Interp.Runtime.Enter($"mi_segment_check_free({page}) from {caller}");
        heap.Owner.Interp.CheckIsolation(page, $"{heap.Owner.TState} checks abandoned");
        ObmallocQsbr.PageFreeCollect(page);
        if (page.AllFree && ObmallocQsbr.PageIsSafeToFree(page, heap.Owner, EmptiedAbandonedPage.GoalInCheckFree))
        {
            page.QsbrGoal = 0;
            heap.FreePage(page, $"mi_segment_check_free from {caller}");
            return true;
        }

        return false;
    }

    /// <summary>
    /// <c>mi_segment_reclaim</c>, for one abandoned page: it joins <paramref name="heap"/> (<c>mi_heap_by_tag</c>: the
    /// caller's heap of the page's tag), collects again (<c>_mi_page_free_collect</c>: frees may have arrived since
    /// <see cref="CheckFree"/>), and is freed if all free and safe; otherwise <c>_mi_page_reclaim</c> keeps it, and
    /// <c>_PyMem_mi_page_reclaimed</c> puts an empty one that has a goal on the thread's <c>page_list</c>.
    /// </summary>
    public static void Reclaim(MiPage page, MiHeap heap)
    {
        using var _ = heap.Owner.Interp.Runtime.Enter($"mi_segment_reclaim({page})");
        heap.Owner.Interp.CheckIsolation(page, $"{heap.Owner.TState} reclaims abandoned");
        heap.Owner.Interp.Runtime.Note($"{heap.Owner.TState} reclaims abandoned {page.Describe()} into its {heap.Tag.Describe()} heap");
        heap.Adopt(page);
        ObmallocQsbr.PageFreeCollect(page);
        if (page.AllFree && ObmallocQsbr.PageIsSafeToFree(page, heap.Owner, EmptiedAbandonedPage.GoalInReclaim))
        {
            page.QsbrGoal = 0;
            heap.FreePage(page, "mi_segment_reclaim");
        }
        else
        {
            ObmallocQsbr.PageReclaimed(page, heap.Owner);
        }
    }

    /// <summary>
    /// <c>_mi_abandoned_collect(heap, force: false)</c> at the exit of <paramref name="heap"/>'s thread: every abandoned
    /// page of the interpreter's pool (its own, just abandoned, and other threads') goes through <see cref="CheckFree"/>;
    /// the pages not freed go back to the pool.
    /// </summary>
    public static void AbandonedCollect(MiHeap heap)
    {
        var pool = heap.Owner.Interp.Abandoned;
        using var _ = heap.Owner.Interp.Runtime.Enter("_mi_abandoned_collect");
        var kept = new List<MiPage>();
        foreach (var page in pool.TakeAll())
        {
            if (!CheckFree(page, heap, $"_mi_abandoned_collect at {heap.Owner.TState}'s exit"))
            {
                kept.Add(page);
            }
        }

        kept.ForEach(pool.Push);
    }
}
