using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Model.Qsbr;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Mimalloc;

public class HeapTests
{
    private static readonly ModelConfig s_eager = ModelConfig.Cpython313 with { Qsbr = QsbrDesign.EagerReclaim };

    [Fact]
    public void EachThread_HasFourTaggedHeaps_AndObjectsGoToTheObjectOrGcHeap()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var heaps = interp.MainThreadState.Mimalloc.Heaps;

        Assert.Equal([MiHeapTag.Mem, MiHeapTag.Object, MiHeapTag.Gc, MiHeapTag.GcPre], heaps.Select(h => h.Tag));
        Assert.Equal([false, true, true, true], heaps.Select(h => h.PageUseQsbr));
        Assert.Equal(MiHeapTag.Object, interp.Objects.New(MemoryKit.Type(), "o").Block.Page.Tag);
        Assert.Equal(MiHeapTag.Gc, interp.Objects.New(new PyTypeObject("tuple", 48, isGc: true), "t").Block.Page.Tag);
        Assert.Equal(MiHeapTag.Mem, interp.Mem.Malloc(24, "raw").Block.Page.Tag);
    }

    [Fact]
    public void EmptyObjectPage_WaitsForItsGoal_AndStillServesItsSizeClass_TheFastPathKeepingTheGoal()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var o = interp.Objects.New(MemoryKit.Type(), "o");
        var page = o.Block.Page;
        interp.Refcount.DecRef(o);

        Assert.False(page.IsFreed);
        Assert.True(page.IsOnPageList);
        Assert.NotEqual(0, page.QsbrGoal);
        var again = interp.Objects.New(MemoryKit.Type(), "again"); // the fast path: the goal stays (3.13 clears it on the generic path)
        Assert.Same(page, again.Block.Page);
        Assert.True(page.IsOnPageList);
        Assert.NotEqual(0, page.QsbrGoal);
        interp.Objects.New(MemoryKit.Type(64, "bytes"), "b"); // a fresh page: _PyMem_mi_heap_collect_qsbr drops the page in use again
        Assert.False(page.IsOnPageList);
        Assert.Equal(0, page.QsbrGoal);
    }

    [Fact]
    public void EmptyObjectPage_IsFreedOnlyOnceItsGoalIsReached_ThenItsSliceServesAnotherSizeClass()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction(), s_eager);
        var o = interp.Objects.New(MemoryKit.Type(32), "o");
        var page = o.Block.Page;
        interp.Refcount.DecRef(o);

        interp.Objects.New(MemoryKit.Type(64, "bytes"), "b1"); // a fresh page: the goal is not reached (main has not passed it)
        Assert.False(page.IsFreed);
        interp.MainThreadState.CheckPeriodic();
        var b2 = interp.Objects.New(MemoryKit.Type(96, "bytes"), "b2");

        Assert.True(page.IsFreed);
        Assert.Same(page.Slice, b2.Block.Page.Slice);
        Assert.Equal(96, b2.Block.Page.BlockSize);
    }

    [Fact]
    public void EmptyMemPage_IsFreedAtOnce()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var raw = interp.Mem.Malloc(24, "raw");
        interp.Mem.Free(raw);

        Assert.True(raw.Block.Page.IsFreed);
    }

    [Fact]
    public void ImmediatePageReuse_FreesTheEmptyObjectPageAtOnce()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction(), ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { PageReuse = PageReuse.Immediate } });
        var o = interp.Objects.New(MemoryKit.Type(), "o");
        interp.Refcount.DecRef(o);

        Assert.True(o.Block.Page.IsFreed);
    }

    [Fact]
    public void FreeByAnotherThread_GoesToTheThreadFreeList_UntilTheOwnerCollects()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var raw = interp.Mem.Malloc(24, "raw");
        var keep = interp.Mem.Malloc(24, "keep");
        MemoryKit.Start(rt, interp, "t", _ => interp.Mem.Free(raw)).Join();

        Assert.True(raw.Allocation.IsFreed);
        Assert.Equal(2, raw.Block.Page.Used);
        Assert.Single(raw.Block.Page.ThreadFree.Peek()!.Items);
        var c = interp.Mem.Malloc(24, "c");
        var d = interp.Mem.Malloc(24, "d"); // the fast path takes the free list; the page is now full
        Assert.Equal(4, raw.Block.Page.Used);

        Assert.Same(raw.Block, interp.Mem.Malloc(24, "reused").Block); // the search collects xthread_free
        Assert.Empty(raw.Block.Page.ThreadFree.Peek()!.Items);
        GC.KeepAlive((keep, c, d));
    }

    [Fact]
    public void FreedHeader_KeepsTheRefcountFields_AndOverwritesObTidWithTheFreeListLink()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var o = interp.Objects.New(MemoryKit.Type(), "o");
        interp.Refcount.DecRef(o);

        Assert.Equal(MimallocInterpState.FreeListLink(o.Block), o.Block.ObTid.Peek());
        Assert.Equal(0, o.Block.ObRefLocal.Peek());
        Assert.Equal(0, o.Block.ObRefShared.Peek());
    }

    [Fact]
    public void DoubleFree_IsReported()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var raw = interp.Mem.Malloc(24, "raw");
        interp.Mem.Free(raw);

        var e = Assert.Throws<InvariantViolationException>(() => interp.Mem.Free(raw));
        Assert.Contains("double free", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadOfFreedRawMemory_IsAUseAfterFree()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var raw = interp.Mem.Malloc(24, "raw");
        var keep = interp.Mem.Malloc(24, "keep");
        interp.Mem.Free(raw);

        var e = Assert.Throws<InvariantViolationException>(() => interp.Mem.Body(raw).LoadPtr(1));
        Assert.Contains("use after free", e.Message, StringComparison.Ordinal);
        Assert.Contains("T1(main) freed", e.Message, StringComparison.Ordinal);
        GC.KeepAlive(keep);
    }

    [Fact]
    public void AccessThroughAPointerIntoAFreedPage_IsAUseAfterFree()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction(), ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { PageReuse = PageReuse.Immediate } });
        var o = interp.Objects.New(MemoryKit.Type(), "o");
        interp.Refcount.DecRef(o);
        interp.Objects.New(MemoryKit.Type(64, "bytes"), "b"); // takes the slice

        var e = Assert.Throws<InvariantViolationException>(() => interp.Objects.Header(o).LoadLocal());
        Assert.Contains("use after free", e.Message, StringComparison.Ordinal);
        Assert.Contains("its memory now belongs to page", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FreeingRawMemoryAReaderHolds_IsAReuseUnderAReader()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var raw = interp.Mem.Malloc(24, "raw");
        using var hold = interp.Mimalloc.Checker.Hold(raw, "a test reader");

        var e = Assert.Throws<InvariantViolationException>(() => interp.Mem.Free(raw));
        Assert.Contains("reuse under a reader", e.Message, StringComparison.Ordinal);
        Assert.Contains("a test reader", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Leak_IsReportedWithTheHeader()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var o = interp.Objects.New(MemoryKit.Type(), "o");
        interp.Refcount.IncRef(o);

        var e = Assert.Throws<InvariantViolationException>(() => interp.CheckNoLeaks());
        Assert.Contains("leak: o (object", e.Message, StringComparison.Ordinal);
        Assert.Contains("true refcount 2", e.Message, StringComparison.Ordinal);
        interp.CheckNoLeaks(o);
    }

    [Fact]
    public void ExitingThread_AbandonsItsSegment_AndAReclaimPutsItsPageInTheHeapOfItsTag()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt, SegmentTests.Slices(1));
        PyObjectPtr? o = null;
        MemoryKit.Start(rt, interp, "t", _ => o = interp.Objects.New(MemoryKit.Type(), "o")).Join();
        var page = o!.Block.Page;

        Assert.Null(page.Heap);
        Assert.Contains(page, interp.Mimalloc.Abandoned.PagesForCheck);
        interp.Mem.Malloc(24, "raw"); // the MEM heap needs a page and the main thread has no free slice: it reclaims t's segment
        Assert.Same(interp.MainThreadState.Mimalloc.Heap(MiHeapTag.Object), page.Heap);
        Assert.DoesNotContain(page, interp.Mimalloc.Abandoned.PagesForCheck);
    }

    [Fact]
    public void AbandonedEmptyPage_KeepsItsGoal_AndWaitsOnTheReclaimingThreadsPageList()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        MiPage? page = null;
        MemoryKit.Start(rt, interp, "t", _ =>
        {
            var o = interp.Objects.New(MemoryKit.Type(), "o");
            page = o.Block.Page;
            interp.Refcount.DecRef(o);
        }).Join();

        Assert.NotEqual(0, page!.QsbrGoal);
        interp.Objects.New(MemoryKit.Type(64, "bytes"), "b");

        Assert.False(page.IsFreed);
        Assert.Contains(page, interp.MainThreadState.Mimalloc.PageList);
    }

    [Fact]
    public void LockFreeReaders_NeverSeeTheirItemsMemoryReused_UnderExploration() =>
        Exploring.StaysClean(rt => ReaderAgainstFreeAndReuse(rt, s_eager));

    [Fact]
    public void LockFreeReaders_NeverSeeTheirItemsMemoryReused_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => ReaderAgainstFreeAndReuse(rt, s_eager), runs: 200);

    [Fact]
    public void FreeingEmptyPagesAtOnce_ReusesMemoryUnderAReader() =>
        Exploring.FindsBug(
            rt => ReaderAgainstFreeAndReuse(rt, s_eager with { Mimalloc = MimallocDesign.Cpython313 with { PageReuse = PageReuse.Immediate } }),
            "reuse under a reader");

    /// <summary>
    /// A reader takes an object from a shared slot with <c>_Py_TryXGetRef</c>; the owner clears the slot, drops the
    /// object (its page empties) and allocates another size class, which needs a fresh page.
    /// </summary>
    private static void ReaderAgainstFreeAndReuse(SimRuntime rt, ModelConfig config)
    {
        var interp = MemoryKit.Interp(rt, config);
        var refs = interp.Refcount;
        var holder = interp.Objects.New(new PyTypeObject("holder", 48), "holder");
        var slot = new PySlot(holder, 0, interp.Mimalloc.Checker);
        var o = interp.Objects.New(MemoryKit.Type(32), "o");
        refs.SetMaybeWeakref(o);
        slot.Store(o, MemoryOrder.Release);
        var reader = MemoryKit.Start(rt, interp, "reader", ts =>
        {
            if (refs.TryXGetRef(slot) is { } got)
            {
                refs.DecRef(got);
            }

            ts.CheckPeriodic();
        });

        slot.Store(null, MemoryOrder.Release);
        refs.DecRef(o);
        interp.MainThreadState.CheckPeriodic();
        refs.DecRef(interp.Objects.New(MemoryKit.Type(64, "bytes"), "b"));
        MemoryKit.Join(interp, reader);
        refs.DecRef(holder);
        interp.CheckNoLeaks();
    }
}
