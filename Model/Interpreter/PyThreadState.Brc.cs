using Sim.Model.Brc;

namespace Sim.Model.Interpreter;

/// <summary>Biased reference counting: <c>tstate-&gt;brc</c>, the explicit-merge bit, and the memory mechanisms' part of thread exit.</summary>
public sealed partial class PyThreadState
{
    /// <summary><c>tstate-&gt;brc</c>.</summary>
    public BrcThreadState Brc { get; private set; } = null!;

    /// <summary>
    /// The eval breaker's requests, in <c>_Py_HandlePending</c>'s order (<c>Python/ceval_gil.c</c>, 3.13): the mechanisms
    /// that come before the merge (stop-the-world, signals, pending calls), then objects with refcounts to merge
    /// (<c>_PY_EVAL_EXPLICIT_MERGE_BIT</c>: clear the bit, then <c>_Py_brc_merge_refcounts</c>), then those after it (GC,
    /// GIL drop request, async exception).
    /// </summary>
    partial void HandlePending(long breaker)
    {
        HandlePendingBeforeMerge(breaker);
        if ((breaker & EvalBreakerBits.ExplicitMerge) != 0)
        {
            EvalBreaker.FetchAnd(~EvalBreakerBits.ExplicitMerge);
            Interp.Brc.MergeRefcounts(this);
        }

        HandlePendingAfterMerge(breaker);
    }

    /// <summary>
    /// <c>PyThreadState_Clear</c>'s memory part, in CPython's order: leave the BRC table after merging every queued object
    /// (<c>_Py_brc_remove_thread</c>), hand the delayed-free queue to the interpreter (<c>_PyMem_AbandonDelayed</c>), abandon
    /// the mimalloc heaps (<c>_PyThreadState_ClearMimallocHeaps</c>).
    /// </summary>
    partial void OnClear()
    {
        Interp.Brc.RemoveThread(this);
        Interp.DelayedFree.AbandonDelayed(this);
        Mimalloc.Abandon();
    }

    /// <summary>For the mechanisms whose eval-breaker requests <c>_Py_HandlePending</c> serves before the merge (stop-the-world, signals, pending calls).</summary>
    partial void HandlePendingBeforeMerge(long breaker);

    /// <summary>For the mechanisms whose eval-breaker requests <c>_Py_HandlePending</c> serves after the merge (GC, GIL drop request, async exception).</summary>
    partial void HandlePendingAfterMerge(long breaker);
}
