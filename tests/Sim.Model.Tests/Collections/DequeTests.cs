using Sim.Model.Collections;
using Sim.Model.CriticalSections;
using Sim.Model.Interpreter;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Collections;

public class DequeTests
{
    [Fact]
    public void Deque_IsFirstInFirstOut_AtBothEnds()
    {
        var rt = SimRuntime.CreateProduction();
        var main = MemoryKit.Interp(rt).MainThreadState;
        var d = new DequeObject(rt, "d");
        d.Append(main, 1);
        d.Append(main, 2);
        d.AppendLeft(main, 0);

        Assert.Equal([0, 1, 2], d.ItemsForCheck);
        Assert.Equal(3, d.Len());
        Assert.Equal(2, d.Pop(main));
        Assert.Equal(0, d.PopLeft(main));
        Assert.Equal(1, d.Pop(main));
        Assert.Null(d.Pop(main));
        Assert.Null(d.PopLeft(main));
        d.CheckConsistent();
    }

    [Fact]
    public void ConcurrentMethods_KeepEveryItem_UnderExploration() =>
        Exploring.StaysClean(rt => Churn(rt, CriticalSectionDesign.Cpython313, rounds: 2), iterations: 500);

    [Fact]
    public void ConcurrentMethods_KeepEveryItem_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => Churn(rt, CriticalSectionDesign.Cpython313, rounds: 2000), runs: 10);

    [Fact]
    public void WithoutCriticalSections_ConcurrentMethods_LoseItems() =>
        Exploring.FindsBug(rt => Churn(rt, CriticalSectionDesign.DefaultBuild, rounds: 2), "items", Exploring.Options with { DetectRaces = false });

    [Fact]
    public void WithoutCriticalSections_ConcurrentMethods_RaceOnTheDequesFields() =>
        Exploring.FindsBug(rt => Churn(rt, CriticalSectionDesign.DefaultBuild, rounds: 2), "data race on d.");

    /// <summary>Two threads each append then pop (at opposite ends) <paramref name="rounds"/> times; every item must come out once.</summary>
    private static void Churn(SimRuntime rt, CriticalSectionDesign design, int rounds)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { CriticalSections = design });
        var d = new DequeObject(rt, "d");
        var popped = new long[2];
        var workers = Enumerable.Range(0, 2).Select(i => MemoryKit.Start(rt, interp, $"t{i}", t =>
        {
            for (var r = 1; r <= rounds; r++)
            {
                if (i == 0)
                {
                    d.Append(t, r);
                    popped[i] += d.PopLeft(t) ?? 0;
                }
                else
                {
                    d.AppendLeft(t, 1000 * r);
                    popped[i] += d.Pop(t) ?? 0;
                }
            }
        })).ToArray();
        MemoryKit.Join(interp, workers);
        d.CheckConsistent();
        var appended = Enumerable.Range(1, rounds).Sum(r => (long)r + (1000L * r));
        var out_ = popped.Sum() + d.ItemsForCheck.Sum();
        rt.Check(out_ == appended && d.Len() == 0, $"d: appended items summing to {appended}, popped and left {out_} ({d.Len()} left)");
    }
}
