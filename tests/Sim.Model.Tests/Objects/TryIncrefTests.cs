using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Objects;

public class TryIncrefTests
{
    [Fact]
    public void TryIncRefShared_RefusesAnObjectWithoutMaybeWeakref_AndAcceptsOneWithIt()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var o = interp.Objects.New(MemoryKit.Type(), "o");

        var p = o;
        Assert.False(interp.Refcount.TryIncRefShared(ref p));
        interp.Refcount.SetMaybeWeakref(o);
        Assert.True(interp.Refcount.TryIncRefShared(ref p));
        Assert.Same(o, p);
        Assert.Equal(RefcountBits.Shared(1, RefcountBits.MaybeWeakref), o.Block.ObRefShared.Peek());
    }

    [Fact]
    public void TryIncRefShared_FailsOnAMergedObjectWithCountZero_EvenAfterItsBlockIsFreed()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var o = interp.Objects.New(MemoryKit.Type(), "o");
        interp.Refcount.SetMaybeWeakref(o);
        interp.Refcount.DecRef(o); // owner's zero path: CAS to MERGED, count 0: freed

        Assert.True(o.Allocation.IsFreed);
        Assert.Equal(RefcountBits.Merged, o.Block.ObRefShared.Peek());
        var p = o;
        Assert.False(interp.Refcount.TryIncref(ref p)); // reads the freed header: allowed, and fails
    }

    [Fact]
    public void TryIncrefCompare_ThroughAStalePointer_ReachesTheNewObject_AndFailsItsRecheck()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var type = MemoryKit.Type();
        var holder = interp.Objects.New(new PyTypeObject("holder", 48), "holder");
        var slot = new PySlot(holder, 0, interp.Mimalloc.Checker);
        var old = interp.Objects.New(type, "old");
        interp.Refcount.DecRef(old); // freed; its page waits for a QSBR goal and serves the same size class
        var fresh = interp.Objects.New(type, "fresh"); // the same block, re-initialised
        interp.Refcount.SetMaybeWeakref(fresh);
        slot.Store(interp.Objects.New(type, "other"));
        Assert.Same(old.Block, fresh.Block);

        var p = old;
        var took = true;
        var other = MemoryKit.Start(rt, interp, "reader", _ => took = interp.Refcount.TryIncrefCompare(slot, ref p));
        other.Join();

        Assert.False(took);
        Assert.Same(fresh, p);
        Assert.Equal(0, RefcountBits.Count(fresh.Block.ObRefShared.Peek()));
        Assert.Equal(1, fresh.Block.ObRefLocal.Peek());
    }

    [Fact]
    public void XGetRef_RacingTheOwnersLastDecref_NeverRevivesTheObject_UnderExploration() =>
        Exploring.StaysClean(rt => ReaderAgainstRelease(rt, RefcountDesign.Cpython313));

    [Fact]
    public void XGetRef_RacingTheOwnersLastDecref_NeverRevivesTheObject_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => ReaderAgainstRelease(rt, RefcountDesign.Cpython313), runs: 200);

    [Fact]
    public void TryIncRefShared_ThatAcceptsMerged_RevivesADeadObject() =>
        Exploring.FindsBug(rt => ReaderAgainstRelease(rt, RefcountDesign.Cpython313 with { TryIncRefShared = TryIncrefRule.RefuseZeroOnly }), "dead object revived");

    [Fact]
    public void ZeroMergeWithoutTheCas_FreesUnderTheReader() =>
        Exploring.FindsBug(rt => ReaderAgainstRelease(rt, RefcountDesign.Cpython313 with { ZeroLocalMerge = ZeroLocalMerge.DeallocWhenSharedCountIsZero }), MiHeapChecker.MemoryError);

    /// <summary>
    /// The owner publishes an object (MAYBE_WEAKREF set, as a locked read by another thread would), then clears the slot
    /// and drops the last reference; a reader takes it with <c>_Py_TryXGetRef</c> and drops it again.
    /// </summary>
    private static void ReaderAgainstRelease(SimRuntime rt, RefcountDesign design)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Refcount = design });
        var refs = interp.Refcount;
        var holder = interp.Objects.New(new PyTypeObject("holder", 48), "holder");
        var slot = new PySlot(holder, 0, interp.Mimalloc.Checker);
        var o = interp.Objects.New(MemoryKit.Type(), "o");
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
        MemoryKit.Join(interp, reader);
        refs.DecRef(holder);
        interp.CheckNoLeaks();
    }
}
