using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// A segment reclaimed for a page of one tag brings pages of other tags with it (<c>mi_segment_reclaim</c> with
/// <c>mi_heap_by_tag</c>, <c>Objects/mimalloc/segment.c</c>, 3.13; gh-112532). A builder thread makes a garbage cycle of
/// GC objects and exits: its GC page still holds them, so its segment, which has a free slice, is abandoned. An allocator
/// thread then needs a MEM page (<c>PyMem_Malloc</c>) and has no segment of its own: <c>mi_segment_try_reclaim</c> finds
/// the free slice (<c>mi_segment_check_free</c> does not look at tags) and reclaims the whole segment, so the GC page joins
/// one of the allocator's heaps, a tag it did not ask for. Meanwhile the main thread runs <c>gc.collect()</c>, which finds
/// GC objects only by walking the GC heaps of every thread state and the abandoned pool (<c>gc_visit_heaps</c>): the cycle
/// must be found wherever the segment is.
/// </summary>
/// <remarks>
/// Only a segment model has this path: the allocator asked for a MEM page and got a GC page as well. Segments of two
/// slices, so that a builder's segment keeps a free slice. The objects are freed by the collector; the allocator's buffers
/// by the allocator.
/// </remarks>
[Scenario("segment-reclaim-other-tags")]
public sealed class SegmentReclaimOtherTags : Scenario<ModelConfig>
{
    private static readonly MimallocDesign Segments = MimallocDesign.Cpython313 with { SegmentSlices = 2 };

    /// <inheritdoc/>
    public override string Summary =>
        "A thread that needs a MEM page reclaims an exited thread's whole segment; its GC page must join the reclaimer's GC heap, where gc.collect() finds the garbage on it.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-112532: Isolate abandoned segments by interpreter; Tag mimalloc heaps and pages (\"we want pages to only be reclaimed by the corresponding heap in the claimant thread\")",
        "Objects/mimalloc/segment.c: mi_segment_try_reclaim, mi_segment_check_free, mi_heap_by_tag, mi_segment_reclaim (CPython's copy, 3.13)",
        "Objects/mimalloc/segment.c: mi_segment_reclaim (mimalloc 2.1.2 upstream, before CPython's tags): every page into the requesting heap",
        "Python/gc_free_threading.c: gc_visit_heaps visits the GC heaps of each thread state and the abandoned pool (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("cpython-3.13",
            "CPython 3.13: mi_segment_reclaim puts each page into the reclaiming thread's heap of its tag (mi_heap_by_tag), so the GC page joins its GC heap.",
            Expectation.Clean, ModelConfig.Cpython313 with { Mimalloc = Segments }),
        new("reclaim-into-requesting-heap",
            "mimalloc 2.1.2 before CPython's tags (gh-112532): mi_segment_reclaim puts every page into the heap that asked, here the MEM heap, where gc_visit_heaps never looks: the garbage cycle survives gc.collect().",
            Expectation.Bug("survived gc.collect()"), ModelConfig.Cpython313 with { Mimalloc = Segments with { Reclaim = ReclaimPolicy.AnyTag } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var gc = interp.Gc.Objects;
        var node = gc.NewType("Node", 1);
        PyObjectPtr? a = null;
        PyObjectPtr? b = null;
        var builder = PythonThread.Start(runtime, interp, "builder", _ =>
        {
            a = gc.New(node, "a");
            b = gc.New(node, "b");
            interp.Refcount.IncRef(b);
            gc.SetSlot(a, 0, b);
            interp.Refcount.IncRef(a);
            gc.SetSlot(b, 0, a); // a <-> b
            interp.Refcount.DecRef(a);
            interp.Refcount.DecRef(b); // garbage: only the cycle holds them
        });
        PythonThread.JoinAll(interp, builder);

        var allocator = PythonThread.Start(runtime, interp, "allocator", tstate =>
        {
            for (var k = 0; k < 2; k++)
            {
                var buffer = interp.Mem.Malloc(24, $"buffer{k}"); // needs a MEM page: reclaims the builder's segment
                tstate.CheckPeriodic();
                interp.Mem.Free(buffer);
            }
        });

        interp.Gc.Collect(interp.MainThreadState); // gc.collect()
        PythonThread.JoinAll(interp, allocator);
        runtime.Check(a!.IsStale && b!.IsStale, "the garbage cycle a <-> b survived gc.collect(): gc_visit_heaps did not find its page");
        interp.CheckNoLeaks();
    }
}
