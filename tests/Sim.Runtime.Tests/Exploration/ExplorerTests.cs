using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Runtime.Trace;
using Sim.Testing;

namespace Sim.Runtime.Tests.Exploration;

public class ExplorerTests
{
    [Fact]
    public void ASpinLoopThatNeverEnds_IsReportedAsALivelock()
    {
        var result = Explorer.Explore(rt =>
        {
            var flag = new AtomicInt(rt, "flag");
            rt.StartThread("spinner", () =>
            {
                while (flag.Load() == 0)
                {
                    rt.Yield("flag");
                }
            }).Join();
        }, Exploring.Options with { MaxSteps = 200 });

        Assert.Equal(FindingKind.Livelock, result.Kind);
        Assert.Contains("T2(spinner) runnable", result.Message, StringComparison.Ordinal);
        Assert.NotNull(result.Schedule);
        Assert.StartsWith(Explorer.BoundPrefix, result.EngineReport, StringComparison.Ordinal); // what Coyote itself wrote
    }

    [Fact]
    public void AFailedCheck_IsAnAssertion_WhateverItsMessageSays()
    {
        var result = Exploring.FindsBug(rt => rt.Fail("T2(t) threw nothing: it only says so"), "it only says so");

        Assert.Equal(FindingKind.Assertion, result.Kind);
    }

    [Fact]
    public void AnExceptionInTheMainThread_IsAnExceptionFinding()
    {
        var result = Exploring.FindsBug(_ => throw new InvalidOperationException("boom"), "T1(main) threw InvalidOperationException: boom");

        Assert.Equal(FindingKind.Exception, result.Kind);
        Assert.Equal(AccessKind.Failure, result.Steps[^1].Kind);
    }

    [Theory]
    [InlineData(Strategy.Prioritization)]
    [InlineData(Strategy.DelayBounding)]
    [InlineData(Strategy.Random)]
    public void ASpinnerWaitingForAnotherThread_IsNeverStarved_EvenByUnfairStrategies(Strategy strategy) =>
        Exploring.StaysClean(rt =>
        {
            var flag = new AtomicInt(rt, "flag");
            var spinners = Enumerable.Range(0, 2).Select(i => rt.StartThread($"spinner{i}", () =>
            {
                while (flag.Load() == 0)
                {
                    rt.Yield("flag");
                }
            })).ToList();
            var setter = rt.StartThread("setter", () =>
            {
                for (var i = 0; i < 5; i++)
                {
                    flag.Load();
                }

                flag.Store(1);
            });
            spinners.ForEach(t => t.Join());
            setter.Join();
        }, iterations: 300, Exploring.Options with { Strategy = strategy, MaxSteps = 2000 });

    [Fact]
    public void StartingATask_IsAnErrorOfTheScenario_NotAFinding()
    {
        var result = Explorer.Explore(rt =>
        {
            var flag = new AtomicInt(rt, "flag");
            Task.Run(() => flag.Store(1)).Wait();
        }, Exploring.Options);

        Assert.Equal(Outcome.ScenarioError, result.Outcome);
        Assert.Contains("Uncontrolled concurrency", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATraceReplaysTheSameFailure_TwentyTimesOutOfTwenty()
    {
        static void Race(SimRuntime rt)
        {
            var x = new PlainCell<int>(rt, "x");
            var a = rt.StartThread("a", () => x.Write(x.Read() + 1));
            var b = rt.StartThread("b", () => x.Write(x.Read() * 10));
            a.Join();
            b.Join();
            rt.Check(x.Peek() is 10 or 1, $"x ended as {x.Peek()}");
        }

        var found = Exploring.FindsBug(Race, "x ended as", replays: 0);
        for (var i = 0; i < 20; i++)
        {
            var again = Explorer.Replay(Race, found.Schedule!, Exploring.Options);
            Assert.Equal(found.Message, again.Message);
            Assert.Equal(found.Steps.Select(s => s.ToString()), again.Steps.Select(s => s.ToString()));
        }
    }

    [Fact]
    public void ATraceOfAnotherProgram_DoesNotReplay()
    {
        var found = Exploring.FindsBug(rt =>
        {
            var x = new PlainCell<int>(rt, "x");
            var ts = Enumerable.Range(0, 2).Select(i => rt.StartThread($"t{i}", () => x.Write(x.Read() + 1))).ToList();
            ts.ForEach(t => t.Join());
            rt.Check(x.Peek() == 2, "lost update");
        }, "lost update", replays: 0);

        var other = Explorer.Replay(rt => rt.Check(true, "nothing"), found.Schedule!, Exploring.Options);

        Assert.Equal(Outcome.ReplayFailed, other.Outcome);
    }

    [Fact]
    public void ACleanProgram_RunsEveryIteration_AndCountsItsSteps()
    {
        var result = Exploring.StaysClean(rt =>
        {
            var x = new AtomicInt(rt, "x");
            rt.StartThread("t", () => x.FetchAdd(1)).Join();
        }, iterations: 50);

        Assert.True(result.SchedulingSteps >= 50, $"only {result.SchedulingSteps} steps in 50 iterations");
        Assert.Empty(result.Steps);
    }

    [Fact]
    public void InvalidOptions_AreRejected() =>
        Assert.Throws<ArgumentException>(() => Explorer.Explore(_ => { }, new ExplorationOptions { Iterations = 0 }));
}

public class UncontrolledBlockingTests
{
    [Fact]
    public void BlockingOnABclLock_IsAnErrorOfTheScenario_NotAHangOfTheTool()
    {
        var gate = new object();
        var result = Explorer.Explore(rt =>
        {
            var x = new AtomicInt(rt, "x");
            var threads = Enumerable.Range(0, 2).Select(i => rt.StartThread($"t{i}", () =>
            {
                lock (gate)
                {
                    x.FetchAdd(1);
                    x.FetchAdd(1);
                }
            })).ToList();
            threads.ForEach(t => t.Join());
        }, Exploring.Options with { HangTimeout = TimeSpan.FromMilliseconds(500), Iterations = 200 });

        Assert.Equal(Outcome.ScenarioError, result.Outcome);
        Assert.Contains("blocked outside the Runtime", result.Message, StringComparison.Ordinal);
        Assert.StartsWith(Explorer.PotentialDeadlockPrefix, result.EngineReport, StringComparison.Ordinal); // what Coyote itself wrote
    }
}
