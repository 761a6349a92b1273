using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Threads;
using Sim.Testing;

namespace Sim.Model.Tests.Objects;

public class RefcountTests
{
    [Fact]
    public void NewObject_IsOwnedByItsCreator_WithOneLocalReference()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var o = interp.Objects.New(MemoryKit.Type(), "o");

        Assert.Equal((rt.MainThread.Id, 1u, 0L), MemoryKit.HeaderOf(o));
    }

    [Fact]
    public void OwnerIncrefAndDecref_TouchOnlyTheLocalCount_AndTheLastOneFrees()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var o = interp.Objects.New(MemoryKit.Type(), "o");

        interp.Refcount.IncRef(o);
        Assert.Equal((rt.MainThread.Id, 2u, 0L), MemoryKit.HeaderOf(o));
        interp.Refcount.DecRef(o);
        interp.Refcount.DecRef(o);

        Assert.True(o.Allocation.IsFreed);
        interp.CheckNoLeaks();
    }

    [Fact]
    public void NonOwnerIncref_AddsToTheSharedCount_AndItsDecrefBelowZeroQueuesTheObject()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var o = interp.Objects.New(MemoryKit.Type(), "o");
        interp.Refcount.IncRef(o); // the reference the other thread drops

        long afterIncref = 0;
        var other = MemoryKit.Start(rt, interp, "other", _ =>
        {
            interp.Refcount.IncRef(o);
            afterIncref = o.Block.ObRefShared.Peek();
            interp.Refcount.DecRef(o);
            interp.Refcount.DecRef(o); // shared 0: queued to the owner, without subtracting
        });
        other.Join();

        Assert.Equal(RefcountBits.Shared(1, RefcountBits.SharedInit), afterIncref);
        Assert.Equal(RefcountBits.Queued, o.Block.ObRefShared.Peek());
        Assert.NotEqual(0, interp.MainThreadState.EvalBreaker.Peek() & EvalBreakerBits.ExplicitMerge);
        Assert.Equal([o], interp.MainThreadState.Brc.QueuedForCheck);
        interp.MainThreadState.CheckPeriodic(); // merges: 2 local + 0 shared - 1 (the queue's) = 1
        Assert.Equal((0L, 0u, RefcountBits.Shared(1, RefcountBits.Merged)), MemoryKit.HeaderOf(o));
        Assert.Equal(0, interp.MainThreadState.EvalBreaker.Peek() & EvalBreakerBits.ExplicitMerge);

        interp.Refcount.DecRef(o); // now a shared decref to MERGED with count 0: freed
        Assert.True(o.Allocation.IsFreed);
        interp.CheckNoLeaks();
    }

    [Fact]
    public void QueueingToAnExitedOwner_MergesInTheQueueingThread()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        PyObjectPtr? o = null;
        var owner = MemoryKit.Start(rt, interp, "owner", _ => o = interp.Objects.New(MemoryKit.Type(), "o"));
        owner.Join();

        interp.Refcount.DecRef(o!); // the owner left the table: merged with -1 here and freed

        Assert.True(o!.Allocation.IsFreed);
        Assert.Equal("T1(main)", o.Allocation.FreedBy);
        interp.CheckNoLeaks();
    }

    [Fact]
    public void ConcurrentIncrefsAndDecrefs_FreeExactlyOnceAtZero_UnderExploration() =>
        Exploring.StaysClean(rt => OwnerAndTwoOthers(rt, RefcountDesign.Cpython313));

    [Fact]
    public void ConcurrentIncrefsAndDecrefs_FreeExactlyOnceAtZero_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => OwnerAndTwoOthers(rt, RefcountDesign.Cpython313), runs: 200);

    [Fact]
    public void ClearingOwnershipAfterTheMerge_WritesIntoFreedMemory_Gh119999() =>
        Exploring.FindsBug(rt => OwnerAndTwoOthers(rt, RefcountDesign.Cpython313 with { MergeFieldOrder = MergeFieldOrder.FieldsAfterMerge }), "use after free");

    [Fact]
    public void NonOwnerThatNeverQueues_LeaksTheObject() =>
        Exploring.FindsBug(rt => OwnerAndTwoOthers(rt, RefcountDesign.Cpython313 with { NonOwnerDecref = NonOwnerDecref.NeverQueue }), "leak");

    [Fact]
    public void DecrefBelowZero_IsReported()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var o = interp.Objects.New(MemoryKit.Type(), "o");
        interp.Refcount.IncRef(o);
        Assert.Equal(0, interp.Refcount.ExplicitMergeRefcount(o, -2));

        var e = Assert.Throws<InvariantViolationException>(() => interp.Refcount.ExplicitMergeRefcount(o, -1));
        Assert.Contains("negative refcount", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The owner creates an object and gives a reference to each of two threads; all three take and drop extra
    /// references, drop their own, and exit. The heap checks the rest: freed once, at zero, not written after, no leak.
    /// </summary>
    internal static void OwnerAndTwoOthers(SimRuntime rt, RefcountDesign design)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Refcount = design });
        var refs = interp.Refcount;
        var others = new SimThread?[2];
        var owner = MemoryKit.Start(rt, interp, "owner", ts =>
        {
            var o = interp.Objects.New(MemoryKit.Type(), "o");
            for (var i = 0; i < others.Length; i++)
            {
                refs.IncRef(o);
                others[i] = MemoryKit.Start(rt, interp, $"other{i}", t =>
                {
                    refs.IncRef(o);
                    t.CheckPeriodic();
                    refs.DecRef(o);
                    refs.DecRef(o);
                    t.CheckPeriodic();
                });
            }

            refs.DecRef(o);
            ts.CheckPeriodic();
        });

        interp.MainThreadState.Detach();
        owner.Join();
        foreach (var t in others)
        {
            t!.Join();
        }

        interp.MainThreadState.Attach();
        interp.CheckNoLeaks();
    }
}
