using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Interpreter;

public class SubinterpreterTests
{
    [Fact]
    public void NewSubinterpreter_SwapsTheCallingThreadIntoIt_AndSwapReturns()
    {
        var rt = SimRuntime.CreateProduction();
        var main = new PyInterpreterState(rt);
        var sub = PyInterpreterState.NewSubinterpreter(main);

        Assert.Equal(1, sub.Id);
        Assert.Same(main, sub.Main);
        Assert.Same(sub.MainThreadState, rt.CurrentThread.ModelState);
        Assert.Equal(ThreadStateStatus.Detached, main.MainThreadState.State.Peek());
        Assert.Equal(ThreadStateStatus.Attached, sub.MainThreadState.State.Peek());
        var inSub = sub.Objects.New(new PyTypeObject("int", 32), "in-sub");

        main.MainThreadState.Swap();
        Assert.Same(main.MainThreadState, rt.CurrentThread.ModelState);
        Assert.Equal(ThreadStateStatus.Detached, sub.MainThreadState.State.Peek());
        var inMain = main.Objects.New(new PyTypeObject("int", 32), "in-main");
        Assert.Same(main.Mimalloc, inMain.Block.Page.Interp);
        Assert.Same(sub.Mimalloc, inSub.Block.Page.Interp);
        Assert.NotSame(main.Mimalloc.Abandoned, sub.Mimalloc.Abandoned);

        main.Refcount.DecRef(inMain);
        sub.MainThreadState.Swap();
        sub.Refcount.DecRef(inSub);
        main.MainThreadState.Swap();
        main.CheckNoLeaks();
        sub.CheckNoLeaks();
    }

    [Fact]
    public void ProcessWidePool_IsSharedByTheInterpreters()
    {
        var main = new PyInterpreterState(SimRuntime.CreateProduction());
        var config = ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { AbandonedPool = AbandonedPoolScope.ProcessWide } };

        Assert.Same(main.Mimalloc.Abandoned, PyInterpreterState.NewSubinterpreter(main, config).Mimalloc.Abandoned);
    }

    [Fact]
    public void PerInterpreterPools_KeepEveryPageInItsInterpreter_UnderExploration() =>
        Exploring.StaysClean(rt => TwoInterpreters(rt, ModelConfig.Cpython313), iterations: 300);

    [Fact]
    public void PerInterpreterPools_KeepEveryPageInItsInterpreter_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => TwoInterpreters(rt, ModelConfig.Cpython313), runs: 100);

    [Fact]
    public void ProcessWidePool_LetsAPageCrossInterpreters() =>
        Exploring.FindsBug(
            rt => TwoInterpreters(rt, ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { AbandonedPool = AbandonedPoolScope.ProcessWide } }),
            "isolation");

    [Fact]
    public void EachThreadState_HasItsOwnHeaps_WhenOneOsThreadRunsInTwoInterpreters()
    {
        var main = new PyInterpreterState(SimRuntime.CreateProduction());
        var sub = PyInterpreterState.NewSubinterpreter(main);

        Assert.Same(main.MainThreadState.Thread, sub.MainThreadState.Thread);
        Assert.NotSame(main.MainThreadState.Mimalloc, sub.MainThreadState.Mimalloc);
        Assert.Same(sub.Mimalloc, sub.MainThreadState.Mimalloc.Interp);
    }

    [Fact]
    public void HeapPerOsThread_AllocatesASubinterpreterObjectOnAMainInterpreterPage_AndIsReported()
    {
        var config = ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { ThreadHeaps = ThreadHeapScope.PerOsThread } };
        var main = new PyInterpreterState(SimRuntime.CreateProduction(), config);
        var sub = PyInterpreterState.NewSubinterpreter(main, config);

        Assert.Same(main.MainThreadState.Mimalloc, sub.MainThreadState.Mimalloc);
        var error = Assert.ThrowsAny<Exception>(() => sub.Objects.New(new PyTypeObject("int", 32), "o"));
        Assert.Contains("isolation", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseMainObmalloc_SetsTheFeatureFlag_AndLeavesMimallocStateOwn()
    {
        var main = new PyInterpreterState(SimRuntime.CreateProduction());
        var shared = PyInterpreterState.NewSubinterpreter(main, settings: PyInterpreterConfig.SharedObmalloc);
        main.MainThreadState.Swap();
        var isolated = PyInterpreterState.NewSubinterpreter(main, settings: PyInterpreterConfig.Isolated);

        Assert.True(main.UsesMainObmalloc);
        Assert.True(shared.UsesMainObmalloc);
        Assert.False(isolated.UsesMainObmalloc);
        Assert.NotSame(main.Mimalloc.Abandoned, shared.Mimalloc.Abandoned);
    }

    [Fact]
    public void SinglePhaseInitSettings_AreRefusedForASubinterpreter_InTheFreeThreadedBuild()
    {
        var main = new PyInterpreterState(SimRuntime.CreateProduction());

        var error = Assert.Throws<InvalidOperationException>(() => PyInterpreterState.NewSubinterpreter(main, settings: new(UseMainObmalloc: true, CheckMultiInterpExtensions: false)));
        Assert.Contains("free-threaded build does not support single-phase init", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A thread of each interpreter; the sub-interpreter's leaves a live object behind as it exits.</summary>
    private static void TwoInterpreters(SimRuntime rt, ModelConfig config)
    {
        var main = new PyInterpreterState(rt, config);
        var sub = PyInterpreterState.NewSubinterpreter(main, config);
        main.MainThreadState.Swap();
        var kept = new AtomicRef<PyObjectPtr>(rt, "kept");
        var type = new PyTypeObject("int", 32);
        var a = StartIn(rt, sub, "sub-worker", () => kept.Store(sub.Objects.New(type, "left")));
        var b = StartIn(rt, main, "main-worker", () => main.Refcount.DecRef(main.Objects.New(type, "o")));
        main.MainThreadState.Detach();
        a.Join();
        b.Join();
        sub.MainThreadState.Swap();
        sub.Refcount.DecRef(kept.Load()!);
        main.MainThreadState.Swap();
        main.CheckNoLeaks();
        sub.CheckNoLeaks();
    }

    private static Sim.Runtime.Threads.SimThread StartIn(SimRuntime rt, PyInterpreterState interp, string name, Action body) =>
        rt.StartThread(name, () =>
        {
            var tstate = interp.NewThreadState(rt.CurrentThread);
            tstate.Attach();
            body();
            tstate.Clear();
            tstate.DeleteCurrent();
        });
}
