using Sim.Model.Brc;
using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Threads;
using Sim.Testing;

namespace Sim.Model.Tests.Brc;

public class BrcTests
{
    [Fact]
    public void EveryThreadState_IsInItsBucket_UntilItIsCleared()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        BrcThreadState? seen = null;
        var inTable = false;
        var t = MemoryKit.Start(rt, interp, "t", ts =>
        {
            seen = ts.Brc;
            inTable = interp.Brc.GetBucket(ts.ThreadId).ThreadsForCheck.Contains(ts.Brc);
        });
        t.Join();

        Assert.True(inTable);
        Assert.False(seen!.IsInTable);
        Assert.DoesNotContain(seen, interp.Brc.GetBucket(seen.Tid).ThreadsForCheck);
        Assert.Contains(interp.MainThreadState.Brc, interp.Brc.GetBucket(interp.MainThreadState.ThreadId).ThreadsForCheck);
    }

    [Fact]
    public void QueuedObject_IsMergedByItsOwner_AtItsNextPeriodicCheck()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var o = interp.Objects.New(MemoryKit.Type(), "o");
        var t = MemoryKit.Start(rt, interp, "t", _ => interp.Refcount.DecRef(o)); // the last reference, dropped by a non-owner
        t.Join();

        Assert.False(o.Allocation.IsFreed);
        Assert.Equal([o], interp.MainThreadState.Brc.QueuedForCheck);
        interp.MainThreadState.CheckPeriodic();

        Assert.Empty(interp.MainThreadState.Brc.QueuedForCheck);
        Assert.Equal("T1(main)", o.Allocation.FreedBy);
        interp.CheckNoLeaks();
    }

    [Fact]
    public void RemoveThread_MergesEveryQueuedObject_UnderExploration() =>
        Exploring.StaysClean(rt => QueueWhileOwnerExits(rt, RefcountDesign.Cpython313));

    [Fact]
    public void RemoveThread_MergesEveryQueuedObject_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => QueueWhileOwnerExits(rt, RefcountDesign.Cpython313), runs: 200);

    [Fact]
    public void RemoveThread_ThatUnlinksAfterASeparateMerge_LeaksAnObjectQueuedInBetween() =>
        Exploring.FindsBug(rt => QueueWhileOwnerExits(rt, RefcountDesign.Cpython313 with { RemoveThread = BrcRemoveThread.MergeThenUnlink }), "leak");

    /// <summary>
    /// An owner creates two objects, gives them to another thread and exits; the other thread drops them, so each is
    /// queued to the owner, merged by the owner as it leaves the table, or merged by the other thread once it has left.
    /// </summary>
    private static void QueueWhileOwnerExits(SimRuntime rt, RefcountDesign design)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Refcount = design });
        SimThread? other = null;
        var owner = MemoryKit.Start(rt, interp, "owner", ts =>
        {
            var a = interp.Objects.New(MemoryKit.Type(), "a");
            var b = interp.Objects.New(MemoryKit.Type(), "b");
            other = MemoryKit.Start(rt, interp, "other", _ =>
            {
                interp.Refcount.DecRef(a);
                interp.Refcount.DecRef(b);
            });
            ts.CheckPeriodic();
        });

        interp.MainThreadState.Detach();
        owner.Join();
        other!.Join();
        interp.MainThreadState.Attach();
        interp.CheckNoLeaks();
    }
}
