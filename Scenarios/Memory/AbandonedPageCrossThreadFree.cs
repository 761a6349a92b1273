using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Model.Qsbr;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// An abandoned object page emptied by another thread (a finding of this model; see <c>docs/qsbr-mimalloc.md</c>). A
/// writer puts an object in a list and exits: the object is alive, so its page is abandoned with no QSBR goal. Another
/// thread then replaces the list item; its decrement frees the object (the owner has exited, so it merges and
/// deallocates itself), and since the page is abandoned the block goes to the page's <c>xthread_free</c> list, never
/// through <c>_PyMem_mi_page_maybe_free</c>. The next <c>mi_segment_check_free</c> (when a thread that needs a fresh page
/// tries to reclaim, or in <c>_mi_abandoned_collect</c> when any thread exits) or <c>mi_segment_reclaim</c> collects those
/// frees, which clears the page's goal, finds it empty, and <c>_PyMem_mi_page_is_safe_to_free</c> lets it be freed at
/// once, while the main thread, reading the list lock-free, may still hold a pointer to the object.
/// </summary>
/// <remarks>
/// The <c>cpython-3.13</c> variant follows the 3.13 sources (<c>_PyMem_mi_page_is_safe_to_free</c> in
/// <c>Objects/obmalloc.c</c>; <c>mi_segment_check_free</c>, <c>mi_segment_reclaim</c>, <c>_mi_abandoned_collect</c> in
/// <c>Objects/mimalloc/segment.c</c>); the finding was checked against a 3.13.0 build (docs/qsbr-mimalloc.md). The writer's
/// page is abandoned in its segment; the replacer has no segment of its own at its first fresh page, so it runs
/// <c>mi_segment_try_reclaim</c> (<c>mi_segment_check_free</c>, then <c>mi_segment_reclaim</c>), and every thread's exit runs
/// <c>_mi_abandoned_collect</c>: exploration reaches the free through both. <c>reclaim-gives-goal</c> is the candidate fix, in both functions; <c>fix-in-reclaim-only</c> shows that
/// <c>mi_segment_check_free</c> alone reaches the bug (the reclaim path alone: <c>AbandonedPageTests</c>).
/// </remarks>
[Scenario("abandoned-page-cross-thread-free")]
public sealed class AbandonedPageCrossThreadFree : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "An exited thread's object page is emptied by another thread's free and reclaimed with no QSBR goal: freed at once under a lock-free reader.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-115103 (PR #115435): delayed page reuse; abandoned pages",
        "Objects/obmalloc.c: _PyMem_mi_page_is_safe_to_free, _PyMem_mi_page_reclaimed (3.13)",
        "Objects/mimalloc/segment.c: mi_segment_check_free, mi_segment_reclaim, _mi_abandoned_collect (CPython's copy, 3.13)",
        "Objects/mimalloc/page.c: _mi_page_free_collect clears the goal of a page it collected frees for (3.13)",
        "Python/brc.c: _Py_brc_queue_object, owner exited: merge and deallocate (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("reclaim-gives-goal",
            "A candidate fix: an empty QSBR page without a goal found at reclaim is given a goal and waits on the reclaiming thread's page list.",
            Expectation.Clean, ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { EmptiedAbandonedPage = EmptiedAbandonedPage.GiveNewGoal } }),
        new("cpython-3.13",
            "CPython 3.13: an emptied abandoned page without a goal is freed at once by mi_segment_check_free (at a reclaim, or in _mi_abandoned_collect at any thread's exit) or mi_segment_reclaim. Checked against 3.13.0 (docs/qsbr-mimalloc.md).",
            Expectation.Bug("reuse under a reader"), ModelConfig.Cpython313),
        new("fix-in-reclaim-only",
            "The candidate fix in mi_segment_reclaim alone: mi_segment_check_free still frees the page, at a reclaim or at another thread's exit.",
            Expectation.Bug("in mi_segment_check_free from"), ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { EmptiedAbandonedPage = EmptiedAbandonedPage.GoalInReclaim } }),
        new("reclaim-gives-goal-eager-reclaim",
            "The candidate fix with goals advanced at every deferral, so the page is freed, once safe, within the scenario.",
            Expectation.Clean, ModelConfig.Cpython313 with
            {
                Mimalloc = MimallocDesign.Cpython313 with { EmptiedAbandonedPage = EmptiedAbandonedPage.GiveNewGoal },
                Qsbr = QsbrDesign.EagerReclaim,
            }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var refs = interp.Refcount;
        var lists = new PyListObject(interp);
        var intType = new PyTypeObject("int", 32);
        var floatType = new PyTypeObject("float", 48);
        var list = lists.New("L", interp.Objects.New(intType, "item0"));

        var writer = PythonThread.Start(runtime, interp, "writer", tstate =>
            lists.SetItem(list, 0, interp.Objects.New(intType, "item1"))); // then exits: item1's page is abandoned, alive
        var replacer = PythonThread.Start(runtime, interp, "replacer", tstate =>
        {
            tstate.CheckPeriodic();
            lists.SetItem(list, 0, interp.Objects.New(floatType, "item2")); // may free item1 into the abandoned page
            var objects = new List<PyObjectPtr>();
            for (var k = 0; k < 4; k++)
            {
                // A new size class each time: a fresh page, which may reclaim the abandoned one.
                objects.Add(interp.Objects.New(new PyTypeObject("bytes", 64 + (16 * k)), $"bytes{k}"));
                tstate.CheckPeriodic();
            }

            objects.ForEach(refs.DecRef);
        });

        // A second reader reads lock-free once its first, locked, read has marked L shared.
        var reader = PythonThread.Start(runtime, interp, "reader", tstate => ListItemLockFreeRead.ReadItems(interp, lists, list, tstate, ListItemLockFreeRead.Reads));

        // The main thread owns L, so its reads are lock-free (list_get_item_ref's owner path).
        ListItemLockFreeRead.ReadItems(interp, lists, list, interp.MainThreadState, ListItemLockFreeRead.Reads);
        PythonThread.JoinAll(interp, writer, replacer, reader);
        refs.DecRef(list);
        interp.CheckNoLeaks();
    }
}
