using Sim.Model.Ceval;
using Sim.Model.Interpreter;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Ceval;

public class EvalBreakerTests
{
    [Fact]
    public void ABit_ReachesOnlyTheThreadItIsSetFor()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var other = interp.NewThreadState(rt.CreateThread("other", () => { }));

        other.SetEvalBreakerBit(EvalBreakerBits.AsyncException);

        Assert.True(other.EvalBreakerBitIsSet(EvalBreakerBits.AsyncException));
        Assert.False(interp.MainThreadState.EvalBreakerBitIsSet(EvalBreakerBits.AsyncException));
        other.UnsetEvalBreakerBit(EvalBreakerBits.AsyncException);
        Assert.Equal(0, other.EvalBreaker.Peek());
    }

    [Fact]
    public void InThePerInterpreterDesign_ABit_ReachesEveryThread()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Ceval = CevalDesign.Cpython313 with { Scope = EvalBreakerScope.PerInterpreter } });
        var other = interp.NewThreadState(rt.CreateThread("other", () => { }));

        other.SetEvalBreakerBit(EvalBreakerBits.AsyncException);

        Assert.True(interp.MainThreadState.EvalBreakerBitIsSet(EvalBreakerBits.AsyncException));
    }

    [Fact]
    public void SetGlobalVersion_ReachesEveryLinkedThread_KeepsTheirEventBits_AndNewThreadsCopyIt()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var main = interp.MainThreadState;
        main.SetEvalBreakerBit(EvalBreakerBits.GcScheduled);

        interp.Ceval.SetGlobalVersion(3 << EvalBreakerBits.EventsBits);

        Assert.Equal((3 << EvalBreakerBits.EventsBits) | EvalBreakerBits.GcScheduled, main.EvalBreaker.Peek());
        var later = interp.NewThreadState(rt.CreateThread("later", () => { }));
        Assert.Equal(3 << EvalBreakerBits.EventsBits, later.EvalBreaker.Peek());
    }

    [Fact]
    public void AsyncException_IsRaisedByTheTargetsNextPeriodicCheck_Once()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var main = interp.MainThreadState;

        Assert.Equal(1, interp.SetAsyncExc(main.ThreadId, "KeyboardInterrupt"));
        Assert.Equal(0, interp.SetAsyncExc(999, "KeyboardInterrupt"));
        main.CheckPeriodic();

        Assert.Equal("KeyboardInterrupt", main.RaisedException);
        Assert.Null(main.AsyncExc.Peek());
        Assert.False(main.EvalBreakerBitIsSet(EvalBreakerBits.AsyncException));
    }

    [Fact]
    public void ConcurrentRequests_AreNeverLost_UnderExploration() =>
        Exploring.StaysClean(ConcurrentRequests, iterations: 500);

    [Fact]
    public void ConcurrentRequests_AreNeverLost_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(ConcurrentRequests, runs: 50);

    /// <summary>Two threads set different bits in the main thread's breaker while a third changes the version.</summary>
    private static void ConcurrentRequests(SimRuntime rt)
    {
        var interp = MemoryKit.Interp(rt);
        var main = interp.MainThreadState;
        var setters = new[] { EvalBreakerBits.SignalsPending, EvalBreakerBits.CallsToDo }
            .Select(bit => rt.StartThread($"set {bit}", () => main.SetEvalBreakerBit(bit)))
            .Append(MemoryKit.Start(rt, interp, "monitor", _ => interp.Ceval.SetGlobalVersion(1 << EvalBreakerBits.EventsBits)))
            .ToArray();
        foreach (var t in setters)
        {
            t.Join();
        }

        var expected = EvalBreakerBits.SignalsPending | EvalBreakerBits.CallsToDo | (1 << EvalBreakerBits.EventsBits);
        rt.Check(main.EvalBreaker.Peek() == expected, $"the breaker is {main.EvalBreaker.Peek():x}, expected {expected:x}: an update was lost");
    }
}
