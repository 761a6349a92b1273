namespace Sim.Model.Mimalloc;

/// <summary>
/// CPython's hooks into mimalloc for delayed page reuse (<c>Objects/obmalloc.c</c>, 3.13; gh-115103, PR #115435): an empty
/// page of a heap with <c>page_use_qsbr</c> is tagged with a QSBR goal and kept on its thread's <c>page_list</c>; it keeps
/// serving blocks of its size class (which clears the goal), and is freed, so that its memory may serve another size class
/// or heap, only once the goal is reached, when mimalloc next needs a fresh page.
/// </summary>
internal static class ObmallocQsbr
{
    /// <summary><c>_PyMem_mi_page_clear_qsbr</c>: clears the goal and unlinks the page from its <c>page_list</c>.</summary>
    public static void PageClearQsbr(MiPage page)
    {
        page.QsbrGoal = 0;
        Unlink(page);
    }

    /// <summary>
    /// <c>_mi_page_free_collect</c> as CPython patched it: collects the frees of other threads, and if it collected any, the
    /// page was used again, so its QSBR goal is void (<c>_PyMem_mi_page_clear_qsbr</c>).
    /// </summary>
    public static void PageFreeCollect(MiPage page)
    {
        if (page.CollectThreadFree())
        {
            PageClearQsbr(page);
        }
    }

    /// <summary>
    /// <c>_PyMem_mi_page_is_safe_to_free</c>: may an empty abandoned page be freed now, from <paramref name="path"/>
    /// (<c>mi_segment_check_free</c> or <c>mi_segment_reclaim</c>)? Yes unless it waits for a goal that is not reached: a
    /// page without a goal is safe.
    /// </summary>
    /// <remarks>
    /// The candidate fix (<see cref="EmptiedAbandonedPage"/>, not CPython), where the design applies it to
    /// <paramref name="path"/>: a QSBR page without a goal is given one from <c>_Py_qsbr_deferred_advance</c> and is not
    /// safe.
    /// </remarks>
    public static bool PageIsSafeToFree(MiPage page, MimallocThreadState ts, EmptiedAbandonedPage path)
    {
        if (page.UseQsbr && page.QsbrGoal != 0)
        {
            return ts.TState.Qsbr is { } qsbr && qsbr.GoalReached(page.QsbrGoal);
        }

        if (page.UseQsbr && (ts.Interp.Design.EmptiedAbandonedPage & path) != 0 && ts.TState.Qsbr is { } own)
        {
            page.QsbrGoal = own.DeferredAdvance();
            return false;
        }

        return true;
    }

    /// <summary>
    /// <c>_PyMem_mi_page_maybe_free</c>: frees an empty page if it does not use QSBR or its goal is reached; otherwise gives it
    /// a goal from <c>_Py_qsbr_deferred_advance</c> and appends it to the thread's <c>page_list</c>. Returns true if freed.
    /// </summary>
    /// <remarks>The broken <see cref="PageReuse.Immediate"/> design frees every empty page at once.</remarks>
    public static bool PageMaybeFree(MiPage page, MimallocThreadState ts)
    {
        var heap = page.Heap!;
        if (page.UseQsbr && ts.Interp.Design.PageReuse == PageReuse.DelayedByQsbr)
        {
            var qsbr = ts.TState.Qsbr!;
            if (page.QsbrGoal != 0 && qsbr.GoalReached(page.QsbrGoal))
            {
                PageClearQsbr(page);
                heap.FreePage(page, "_PyMem_mi_page_maybe_free");
                return true;
            }

            PageClearQsbr(page);
            page.QsbrGoal = qsbr.DeferredAdvance();
            page.QsbrNode = ts.PageList.AddLast(page);
            ts.Interp.Runtime.Note($"empty {page.Describe()} waits on the page list of {ts.TState} for QSBR goal {page.QsbrGoal}");
            return false;
        }

        heap.FreePage(page, "_PyMem_mi_page_maybe_free");
        return true;
    }

    /// <summary>
    /// <c>_PyMem_mi_page_reclaimed</c>: a reclaimed page that still has a goal goes on the reclaiming thread's
    /// <c>page_list</c> if it is empty; otherwise its goal is void.
    /// </summary>
    public static void PageReclaimed(MiPage page, MimallocThreadState ts)
    {
        if (page.QsbrGoal != 0)
        {
            if (page.AllFree)
            {
                page.QsbrNode = ts.PageList.AddLast(page);
            }
            else
            {
                page.QsbrGoal = 0;
            }
        }
    }

    /// <summary>
    /// <c>_PyMem_mi_heap_collect_qsbr</c>: before taking a fresh page, walk the thread's <c>page_list</c> in order: drop pages
    /// that are in use again, free those whose goal is reached (<c>_Py_qsbr_poll</c>), stop at the first that is not.
    /// </summary>
    public static void HeapCollectQsbr(MiHeap heap)
    {
        if (!heap.PageUseQsbr)
        {
            return;
        }

        var ts = heap.Owner;
        for (var node = ts.PageList.First; node is not null;)
        {
            var next = node.Next;
            var page = node.Value;
            if (!page.AllFree)
            {
                // We allocated from this page some point after the delayed free.
                PageClearQsbr(page);
                node = next;
                continue;
            }

            if (!ts.TState.Qsbr!.Poll(page.QsbrGoal))
            {
                return;
            }

            PageClearQsbr(page);
            page.Heap!.FreePage(page, "_PyMem_mi_heap_collect_qsbr");
            node = next;
        }
    }

    /// <summary>
    /// What abandoning does to a page's QSBR state: it leaves the exiting thread's <c>page_list</c>; CPython keeps the goal for
    /// the reclaiming thread, the broken <see cref="AbandonedEmptyPages.ClearGoal"/> design drops it.
    /// </summary>
    public static void PageAbandoned(MiPage page, MimallocDesign design)
    {
        Unlink(page);
        if (design.AbandonedEmptyPages == AbandonedEmptyPages.ClearGoal)
        {
            page.QsbrGoal = 0;
        }
    }

    private static void Unlink(MiPage page)
    {
        if (page.QsbrNode is { } node)
        {
            node.List!.Remove(node);
            page.QsbrNode = null;
        }
    }
}
