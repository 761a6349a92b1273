using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// A thread exits while its empty pages still wait for their QSBR goal (PR #115435, "There is additional logic to handle
/// abandoned pages when threads exit"). A writer replaces a list item that the main thread reads lock-free, so the item's
/// page empties and waits for its goal, then exits: <c>_PyThreadState_ClearMimallocHeaps</c> abandons its pages. A third
/// thread allocates objects of several new size classes, so its OBJECT heap needs fresh pages and reclaims abandoned
/// ones. A reclaimed page must keep its goal, or the memory the reader still holds is freed and reused.
/// </summary>
/// <remarks>
/// The replacement item is a GC object (a tuple), so the abandoned OBJECT page is the item's alone. The writer's pages are
/// abandoned into its segment, which goes to the pool once the last is; a thread tries to reclaim when its own segments
/// have no free slice (at its first fresh page here, with the default 4-slice segments). Reclaiming by tag
/// is <see cref="AbandonedPageTags"/>. One reader only: with a second reader that takes a reference to the item and
/// drops it after the writer has exited, the page is emptied by another thread while abandoned, which is
/// <see cref="AbandonedPageCrossThreadFree"/>.
/// </remarks>
[Scenario("thread-exit-pages-waiting")]
public sealed class ThreadExitPagesWaiting : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A writer exits while the page of an item it freed waits for its QSBR goal; the page is reclaimed by another thread without being reused under the reader.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-115103 (PR #115435): delayed page reuse, abandoned pages",
        "Objects/obmalloc.c: _PyMem_mi_page_reclaimed, _PyMem_mi_page_is_safe_to_free (3.13)",
        "Python/pystate.c: PyThreadState_Clear, _PyThreadState_ClearMimallocHeaps, tstate_mimalloc_bind (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        .. QsbrVariants.Cpython313("Abandoned pages keep their QSBR goal, as in CPython 3.13.0.", "reclaimed pages are freed"),
        new("abandon-drops-goal",
            "Broken: abandoning clears an empty page's QSBR goal, so the thread that reclaims it frees it at once while the reader still holds a pointer into it.",
            Expectation.Bug("reuse under a reader"), ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { AbandonedEmptyPages = AbandonedEmptyPages.ClearGoal } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var refs = interp.Refcount;
        var lists = new PyListObject(interp);
        var list = lists.New("L", interp.Objects.New(new PyTypeObject("int", 32), "item0"));

        var writer = ExitingWriter.Start(runtime, interp, lists, list);
        var reclaimer = PythonThread.Start(runtime, interp, "reclaimer", tstate =>
        {
            // Each object is of a new size class, so each allocation needs a fresh page and may reclaim an abandoned one.
            var objects = new List<PyObjectPtr>();
            for (var k = 0; k < 8; k++)
            {
                objects.Add(interp.Objects.New(new PyTypeObject("bytes", 64 + (16 * k)), $"bytes{k}"));
                tstate.CheckPeriodic();
            }

            objects.ForEach(refs.DecRef);
        });

        // The main thread owns L, so its reads are lock-free (list_get_item_ref's owner path).
        ListItemLockFreeRead.ReadItems(interp, lists, list, interp.MainThreadState, ListItemLockFreeRead.Reads);
        PythonThread.JoinAll(interp, writer, reclaimer);
        refs.DecRef(list);
        interp.CheckNoLeaks();
    }
}
