using Sim.Model.Interpreter;
using Sim.Model.Tests.Mimalloc;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Interpreter;

/// <summary>
/// Finalization (<see cref="PyRuntimeState.FinalizeEx"/>): the <c>atexit</c> callbacks run, daemon threads are stopped and
/// their states removed, thread starts and forks are refused with <see cref="PythonFinalizationError"/>, and a daemon
/// thread that tries to attach afterwards exits (3.13) or hangs (3.14) without running Python code.
/// </summary>
public class FinalizationTests
{
    private static readonly ModelConfig Hangs314 =
        ModelConfig.Cpython313 with { Lifecycle = LifecycleDesign.Cpython313 with { DaemonThreads = DaemonThreadsAtFinalization.HangWhenShuttingDown } };

    [Fact]
    public void FinalizeEx_CallsAtExitLastFirst_MarksFinalizing_AndRefusesThreadsAndForks()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var threading = ThreadingModule.Import(interp);
        var calls = new List<int>();
        interp.AtExit.Register(() => calls.Add(1));
        interp.AtExit.Register(() => calls.Add(2));

        interp.RuntimeState.FinalizeEx();

        Assert.Equal([2, 1], calls);
        Assert.Same(interp.MainThreadState, interp.GetFinalizing());
        Assert.Same(interp.MainThreadState, interp.RuntimeState.Finalizing.Peek());
        var error = Assert.Throws<PythonFinalizationError>(() => threading.NewThread("late", () => { }).Start());
        Assert.Equal("can't create new thread at interpreter shutdown", error.Message);
        Assert.Throws<PythonFinalizationError>(() => threading.ForkAndContinueAsChild());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ADaemonThread_NeverRunsPythonCodeAfterFinalizationStopsIt(bool shuttingDown314)
    {
        var seen = Outcomes.Observed<string>((rt, observe) =>
        {
            var interp = MemoryKit.Interp(rt, shuttingDown314 ? Hangs314 : ModelConfig.Cpython313);
            var finalized = new AtomicInt(rt, "finalized");
            var threading = ThreadingModule.Import(interp);
            threading.NewThread("daemon", () =>
            {
                var t = interp.CurrentThreadState;
                for (var i = 0; i < 3; i++)
                {
                    rt.Check(finalized.Peek() == 0, "a daemon thread ran Python code after finalization");
                    t.CheckPeriodic();
                }

                observe("finished before finalization");
            }, daemon: true).Start();
            interp.RuntimeState.FinalizeEx();
            finalized.Reinitialize(1);
            observe("finalized");
        }, iterations: 300);

        Assert.Contains("finalized", seen);
    }

    [Fact]
    public void A313DaemonThreadThatAttachesAfterFinalization_ExitsInTakeGil()
    {
        var seen = Outcomes.Observed<string>((rt, observe) =>
        {
            var interp = MemoryKit.Interp(rt);
            var wake = new ThreadLock(rt, "wake");
            wake.Acquire();
            var ranOn = new AtomicInt(rt, "ran on");
            var blocking = new AtomicInt(rt, "blocking");
            var daemon = rt.StartThread("daemon", () =>
            {
                var t = interp.NewThreadState(rt.CurrentThread);
                t.Attach();
                blocking.Store(1);
                wake.Acquire(); // detached until the main thread has finalized
                ranOn.Store(1);
            }, daemon: true);
            while (blocking.Load() == 0 || interp.ThreadStatesForCheck[1].State.Peek() != ThreadStateStatus.Detached)
            {
                rt.Yield("the daemon to block");
            }

            interp.RuntimeState.FinalizeEx();
            wake.Release();
            MemoryKit.Join(interp, daemon);
            observe(ranOn.Peek() == 0 ? "exited in take_gil" : "ran Python code after finalization");
        }, iterations: 200);

        Assert.Equal(new HashSet<string> { "exited in take_gil" }, seen);
    }

    [Fact]
    public void OnRealThreads_FinalizationWithRunningAndBlockedDaemons_RunsClean() =>
        Exploring.RunsCleanOnRealThreads(rt =>
        {
            var interp = MemoryKit.Interp(rt, Hangs314);
            var threading = ThreadingModule.Import(interp);
            var never = new ThreadLock(rt, "never");
            never.Acquire();
            threading.NewThread("running", () =>
            {
                var t = interp.CurrentThreadState;
                for (;;)
                {
                    t.CheckPeriodic();
                }
            }, daemon: true).Start();
            threading.NewThread("blocked", () => never.Acquire(), daemon: true).Start();
            interp.RuntimeState.FinalizeEx();
        }, runs: 50);
}
