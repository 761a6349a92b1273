using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// Abandoned pages are reclaimed only by a heap with the same tag (gh-112532, seed "Tag mimalloc heaps and pages": "we want
/// pages to only be reclaimed by the corresponding heap in the claimant thread"). A writer replaces a list item that the
/// main thread reads lock-free, so the item's OBJECT page empties and waits for its QSBR goal, then exits, abandoning it.
/// A third thread allocates raw memory (<c>PyMem_Malloc</c>), so its MEM heap needs fresh pages. The MEM heap must not take
/// the object page: it does not delay reuse, and would hand out the block the reader still holds as raw memory.
/// </summary>
/// <remarks>
/// The consequence modelled is the reuse under a reader; the other reason for tags, that the GC finds GC objects by
/// walking the GC heaps, is <c>segment-reclaim-other-tags</c>. The allocator has no segment of its own at its first
/// buffer, so it runs <c>mi_segment_try_reclaim</c>, which reclaims the writer's whole segment.
/// </remarks>
[Scenario("abandoned-page-tags")]
public sealed class AbandonedPageTags : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "An exited thread's empty object page, waiting for its QSBR goal, is reclaimed only by an object heap, never by a MEM heap that would reuse it under a reader.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-112532: tag mimalloc heaps and pages; isolate abandoned segments by interpreter; separate heaps for GC objects",
        "gh-115103 (PR #115435): delayed page reuse, abandoned pages",
        "Python/pystate.c: tstate_mimalloc_bind, _PyThreadState_ClearMimallocHeaps (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        .. QsbrVariants.Cpython313("Abandoned pages are reclaimed only by heaps with their tag, as in CPython 3.13.0.", "empty pages are freed"),
        new("reclaim-ignores-tag",
            "mimalloc 2.1.2 before gh-112532: mi_segment_reclaim puts every page of the segment into the heap that asked, so the MEM heap, which does not delay reuse, takes the object page and hands its blocks out as raw memory while the reader still holds the item.",
            Expectation.Bug("reuse under a reader"), ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { Reclaim = ReclaimPolicy.AnyTag } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var refs = interp.Refcount;
        var lists = new PyListObject(interp);
        var list = lists.New("L", interp.Objects.New(new PyTypeObject("int", 32), "item0"));

        var writer = ExitingWriter.Start(runtime, interp, lists, list);
        var allocator = PythonThread.Start(runtime, interp, "allocator", tstate =>
        {
            // Each buffer's page is freed with it (MEM pages do not wait), so each allocation needs a fresh page of
            // 32-byte blocks and may reclaim an abandoned one.
            for (var k = 0; k < 8; k++)
            {
                var buffer = interp.Mem.Malloc(24, $"buffer{k}");
                tstate.CheckPeriodic();
                interp.Mem.Free(buffer);
            }
        });

        // One reader only: with a second one, which may drop the last reference to the item after the writer exited, the
        // item's page is emptied while abandoned and freed by _mi_abandoned_collect at that reader's exit with no QSBR
        // wait: the finding of abandoned-page-cross-thread-free, not the tags this scenario is about.
        // The main thread owns L, so its reads are lock-free (list_get_item_ref's owner path).
        ListItemLockFreeRead.ReadItems(interp, lists, list, interp.MainThreadState, ListItemLockFreeRead.Reads);
        PythonThread.JoinAll(interp, writer, allocator);
        refs.DecRef(list);
        interp.CheckNoLeaks();
    }
}
