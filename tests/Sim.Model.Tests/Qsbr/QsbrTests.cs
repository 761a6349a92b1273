using Sim.Model.Interpreter;
using Sim.Model.Qsbr;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;

namespace Sim.Model.Tests.Qsbr;

public class QsbrTests
{
    [Fact]
    public void WriteSequence_StartsAtOne_AndAdvancesByTwo()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());

        Assert.Equal(QsbrSeq.Initial, interp.Qsbr.WrSeq.Peek());
        Assert.Equal(3, interp.Qsbr.Advance());
        Assert.Equal(5, interp.Qsbr.Advance());
        Assert.Equal(5, interp.Qsbr.WrSeq.Peek());
    }

    [Fact]
    public void DeferredAdvance_AdvancesOnlyEveryTenthCall_AndOtherwiseReturnsTheNextGoal()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var qsbr = interp.MainThreadState.Qsbr!;

        var goals = Enumerable.Range(0, 10).Select(_ => qsbr.DeferredAdvance()).ToList();

        Assert.All(goals.Take(9), g => Assert.Equal(3, g));
        Assert.Equal(3, goals[9]);
        Assert.Equal(3, interp.Qsbr.WrSeq.Peek());
        Assert.Equal(5, qsbr.DeferredAdvance());
        Assert.Equal(3, interp.Qsbr.WrSeq.Peek());
    }

    [Fact]
    public void AttachedThreads_AreOnline_DetachedOnesOffline()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var main = interp.MainThreadState;

        Assert.Equal(QsbrSeq.Initial, main.Qsbr!.Seq.Peek());
        main.Detach();
        Assert.Equal(QsbrSeq.Offline, main.Qsbr.Seq.Peek());
        interp.Qsbr.Advance();
        main.Attach();
        Assert.Equal(3, main.Qsbr.Seq.Peek());
    }

    [Fact]
    public void Poll_WaitsForEveryOnlineThread_ButNotForDetachedOnes()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var main = interp.MainThreadState;
        var other = interp.NewThreadState(rt.MainThread); // a second state, as for a sub-interpreter or a C thread
        rt.MainThread.ModelState = main;
        rt.MainThread.RemoveParkHooks(other);
        other.State.Reinitialize(ThreadStateStatus.Attached);
        other.Qsbr!.Attach();

        var goal = interp.Qsbr.Advance();
        Assert.False(main.Qsbr!.Poll(goal));
        main.CheckPeriodic();
        Assert.False(main.Qsbr.Poll(goal)); // the other state has not passed a quiescent state
        other.Qsbr.QuiescentState();
        Assert.True(main.Qsbr.Poll(goal));

        var next = interp.Qsbr.Advance();
        main.CheckPeriodic();
        other.Qsbr.Detach();
        Assert.True(main.Qsbr.Poll(next));
        Assert.Equal(next, interp.Qsbr.RdSeq.Peek());
    }

    [Fact]
    public void ExitingThread_UnregistersItsState_AndTheSlotIsReused()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        int? first = null;
        int? second = null;
        MemoryKit.Start(rt, interp, "a", ts => first = ts.Qsbr!.Index).Join();
        MemoryKit.Start(rt, interp, "b", ts => second = ts.Qsbr!.Index).Join();

        Assert.Equal(first, second);
        Assert.Equal(QsbrDesign.Cpython313.MinArraySize, interp.Qsbr.Array.Peek()!.Slots.Count);
        Assert.Equal(1, interp.Qsbr.Array.Peek()!.Slots.Count(s => s.Allocated));
    }

    [Fact]
    public void ArrayGrows_WhenFull_CopyingTheSlots_RepointingTheirStates_AndFreeingTheOldArray()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Qsbr = QsbrDesign.Cpython313 with { MinArraySize = 2 } });
        var main = interp.MainThreadState;
        var before = interp.Qsbr.Array.Peek();
        var mainSlot = main.Qsbr!.Index;
        var mainSeq = main.Qsbr.Seq.Peek();
        var second = interp.NewThreadState(rt.CurrentThread); // fills the array
        var third = interp.NewThreadState(rt.CurrentThread); // grows it, with the world stopped

        var after = interp.Qsbr.Array.Peek();
        Assert.Equal(2, before.Size);
        Assert.Equal(4, after.Size);
        Assert.True(before.Memory!.IsStale);
        Assert.False(after.Memory!.IsStale);
        Assert.Same(after.Slots[mainSlot], main.Qsbr);
        Assert.Equal(mainSeq, main.Qsbr.Seq.Peek());
        Assert.Equal(3, new[] { main.Qsbr, second.Qsbr!, third.Qsbr! }.Select(q => q.Index).Distinct().Count());
        Assert.Equal(ThreadStateStatus.Detached, second.State.Peek());
    }

    [Fact]
    public void ScanOfAFreedArray_IsAUseAfterFree()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Qsbr = QsbrDesign.Cpython313 with { MinArraySize = 2 } });
        var stale = interp.MainThreadState.Qsbr!;
        interp.NewThreadState(rt.CurrentThread);
        interp.NewThreadState(rt.CurrentThread);

        var error = Assert.ThrowsAny<Exception>(() => stale.QuiescentState());
        Assert.Contains("use after free", error.Message, StringComparison.Ordinal);
    }
}
