using Sim.Model.Ceval;
using Sim.Model.Interpreter;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Ceval;

public class GilTests
{
    [Fact]
    public void WithTheGil_OneThreadAtATimeRunsPythonCode_UnderExploration() =>
        Exploring.StaysClean(rt => Run(rt, GilDesign.Enabled, rounds: 3), iterations: 500);

    [Fact]
    public void WithTheGil_OneThreadAtATimeRunsPythonCode_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => Run(rt, GilDesign.Enabled, rounds: 200), runs: 10);

    [Fact]
    public void WithoutTheGil_ThreadsRunPythonCodeAtOnce() =>
        Exploring.FindsBug(rt => Run(rt, GilDesign.Disabled, rounds: 3), "two threads run Python code at once");

    [Fact]
    public void TheGil_ChangesHands_OnlyThroughDropRequestsOrDetaching()
    {
        // The waiter times out, asks the holder to drop the GIL, and the holder switches at its next periodic check; or
        // the holder finishes first. Exploration sees both.
        var seen = Outcomes.Observed<string>((rt, observe) =>
        {
            var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Gil = GilDesign.Enabled });
            var order = new PlainCell<string>(rt, "order", string.Empty);
            var workers = Enumerable.Range(0, 2).Select(i => MemoryKit.Start(rt, interp, $"t{i}", t =>
            {
                for (var n = 0; n < 3; n++)
                {
                    order.Write(order.Read() + i);
                    t.CheckPeriodic();
                }
            })).ToArray();
            MemoryKit.Join(interp, workers);
            observe(order.Peek() is "000111" or "111000" ? "one after the other" : "interleaved");
        }, iterations: 400, Exploring.Options with { Strategy = Sim.Runtime.Exploration.Strategy.Random });

        Assert.Contains("one after the other", seen);
        Assert.Contains("interleaved", seen);
    }

    [Fact]
    public void TransientEnable_TakesTheGil_AndDisable_DropsIt()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Gil = GilDesign.Default });
        var main = interp.MainThreadState;
        Assert.False(main.HoldsGil);

        Assert.True(interp.Ceval.EnableGilTransient(main));
        Assert.True(main.HoldsGil);
        Assert.Equal(1, interp.Ceval.Gil.Enabled.Peek());
        Assert.False(interp.Ceval.EnableGilTransient(main)); // a second request only counts
        Assert.Equal(2, interp.Ceval.Gil.Enabled.Peek());

        Assert.False(interp.Ceval.DisableGil(main));
        Assert.True(interp.Ceval.DisableGil(main));
        Assert.False(main.HoldsGil);
        Assert.Equal(0, interp.Ceval.Gil.Locked.Peek());
    }

    [Fact]
    public void PythonGil0_NeverTakesTheGil_AndRefusesToEnableIt()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        Assert.False(interp.MainThreadState.HoldsGil);
        Assert.False(interp.Ceval.EnableGilTransient(interp.MainThreadState));
        Assert.Equal(0, interp.Ceval.Gil.Enabled.Peek());
    }

    [Fact]
    public void PythonGil1_TheMainThreadHoldsTheGil_AndExitingThreadsReleaseIt() =>
        Exploring.StaysClean(rt =>
        {
            var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Gil = GilDesign.Enabled });
            rt.Check(interp.MainThreadState.HoldsGil, "the main thread attached without taking the GIL");
            var exiting = rt.StartThread("exiting", () =>
            {
                var t = interp.NewThreadState(rt.CurrentThread);
                t.Attach();
                t.Clear();
                t.DeleteCurrent(); // releases the GIL for the last time
            });
            MemoryKit.Join(interp, exiting);
            rt.Check(interp.MainThreadState.HoldsGil, "the main thread re-attached without the GIL");
        }, iterations: 200);

    /// <summary>Two threads increment a ghost count of threads running Python code between periodic checks.</summary>
    private static void Run(SimRuntime rt, GilDesign gil, int rounds)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Gil = gil });
        var running = new AtomicInt(rt, "running");
        var workers = Enumerable.Range(0, 2).Select(i => MemoryKit.Start(rt, interp, $"t{i}", t =>
        {
            for (var n = 0; n < rounds; n++)
            {
                rt.Check(running.FetchAdd(1) == 0, "two threads run Python code at once");
                running.FetchAdd(-1);
                t.CheckPeriodic();
            }
        })).ToArray();
        MemoryKit.Join(interp, workers);
    }
}
