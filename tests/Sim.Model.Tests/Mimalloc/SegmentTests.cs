using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Mimalloc;

/// <summary>
/// Segments holding pages (<c>Objects/mimalloc/segment.c</c>, 3.13): a thread's four heaps carve their pages from its
/// segments; a segment is abandoned whole, once its last page in use is, and reclaimed whole, each page into the heap of
/// its tag; a segment with no page left is freed and its memory is the next segment.
/// </summary>
public class SegmentTests
{
    /// <summary>CPython 3.13 with segments of <paramref name="slices"/> pages.</summary>
    internal static ModelConfig Slices(int slices) =>
        ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { SegmentSlices = slices } };

    [Fact]
    public void PagesOfTwoHeaps_ShareTheThreadsSegment_WhichIsAbandonedWhole()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt, Slices(4));
        PyObjectPtr? o = null;
        MemPtr? m = null;
        MemoryKit.Start(rt, interp, "t", _ =>
        {
            o = interp.Objects.New(MemoryKit.Type(), "o");
            m = interp.Mem.Malloc(24, "m");
        }).Join();

        var segment = o!.Block.Page.Slice.Segment!;
        Assert.Same(segment, m!.Block.Page.Slice.Segment);
        Assert.Equal([segment], interp.Mimalloc.Abandoned.SegmentsForCheck);
        Assert.Equal(2, segment.Used);
        Assert.Equal(2, segment.Abandoned);
    }

    [Fact]
    public void ASegmentLeftEmpty_IsFreed_AndItsMemoryIsTheNextSegment()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt, Slices(1));
        var m = interp.Mem.Malloc(24, "m");
        var page = m.Block.Page;
        var segment = page.Slice.Segment!;
        interp.Mem.Free(m); // the MEM heap does not use QSBR: the page is freed, and with it the segment

        Assert.True(page.IsFreed);
        Assert.True(segment.IsFreed);
        MemPtr? again = null;
        MemoryKit.Start(rt, interp, "t", _ => again = interp.Mem.Malloc(40, "again")).Join();
        Assert.Same(segment, again!.Block.Page.Slice.Segment);
        Assert.Equal(2, again.Block.Page.Version);
    }

    [Fact]
    public void ASegmentWithoutRoom_IsReclaimedAnyway_OnItsThirdVisitByTryReclaim()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt, Slices(1));
        var objects = new List<PyObjectPtr>();
        MemoryKit.Start(rt, interp, "t", _ => objects.AddRange(Enumerable.Range(0, interp.Config.Mimalloc.PageCapacity)
            .Select(i => interp.Objects.New(MemoryKit.Type(), $"o{i}")))).Join();
        var full = objects[0].Block.Page;

        // 64-byte blocks: the full 32-byte page gives no room, so the segment goes to the visited list, comes back when the
        // pool is found empty, and is reclaimed at its third visit (abandoned_visits > 3), all within one try.
        var b = interp.Objects.New(MemoryKit.Type(64, "bytes"), "b");

        Assert.Same(interp.MainThreadState.Mimalloc.Heap(MiHeapTag.Object), full.Heap);
        Assert.Equal(0, full.Slice.Segment!.AbandonedVisits);
        Assert.Empty(interp.Mimalloc.Abandoned.SegmentsForCheck);
        Assert.NotSame(full.Slice.Segment, b.Block.Page.Slice.Segment);
    }

    [Fact]
    public void ReclaimIgnoringTags_PutsTheObjectPageInTheRequestersMemHeap()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt, Slices(1) with
        {
            Mimalloc = MimallocDesign.Cpython313 with { SegmentSlices = 1, Reclaim = ReclaimPolicy.AnyTag },
        });
        PyObjectPtr? o = null;
        MemoryKit.Start(rt, interp, "t", _ => o = interp.Objects.New(MemoryKit.Type(), "o")).Join();

        interp.Mem.Malloc(24, "raw");

        Assert.Same(interp.MainThreadState.Mimalloc.Heap(MiHeapTag.Mem), o!.Block.Page.Heap);
    }

    [Fact]
    public void ThreadsExitAndOthersReclaim_UnderExploration_NoLeakNorIsolationError() =>
        Exploring.StaysClean(ExitsAndReclaims, iterations: 300);

    [Fact]
    public void ThreadsExitAndOthersReclaim_OnRealThreads_NoLeakNorIsolationError() =>
        Exploring.RunsCleanOnRealThreads(ExitsAndReclaims);

    /// <summary>
    /// Two threads leave live objects (and free a raw block) and exit, in segments of two pages; a third allocates and
    /// frees objects of other size classes, reclaiming what it finds; the main thread drops the survivors at the end.
    /// </summary>
    private static void ExitsAndReclaims(SimRuntime rt)
    {
        var interp = MemoryKit.Interp(rt, Slices(2));
        var first = new AtomicRef<PyObjectPtr>(rt, "first");
        var second = new AtomicRef<PyObjectPtr>(rt, "second");
        var w1 = MemoryKit.Start(rt, interp, "w1", _ =>
        {
            first.Store(interp.Objects.New(MemoryKit.Type(), "a"));
            interp.Mem.Free(interp.Mem.Malloc(24, "m"));
        });
        var w2 = MemoryKit.Start(rt, interp, "w2", _ => second.Store(interp.Objects.New(MemoryKit.Type(48, "float"), "b")));
        var r = MemoryKit.Start(rt, interp, "r", _ =>
        {
            for (var k = 0; k < 3; k++)
            {
                interp.Refcount.DecRef(interp.Objects.New(MemoryKit.Type(64 + (16 * k), "bytes"), $"x{k}"));
            }
        });
        MemoryKit.Join(interp, w1, w2, r);
        interp.Refcount.DecRef(first.Load()!);
        interp.Refcount.DecRef(second.Load()!);
        interp.CheckNoLeaks();
    }
}
