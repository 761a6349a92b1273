using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Runtime.Scheduling;
using Sim.Testing;

namespace Sim.Runtime.Tests.Scheduling;

public class BoundedSearchTests
{
    private static ExplorationOptions Bounded(uint k, uint runs = 10_000) =>
        Exploring.Options with { Strategy = Strategy.PreemptionBounded, StrategyBound = k, Iterations = runs };

    [Fact]
    public void ABugThatNeedsOnePreemption_IsCleanToZero_AndFoundWithinOne()
    {
        var zero = Explorer.Explore(Programs.LostUpdate, Bounded(0));
        var one = Explorer.Explore(Programs.LostUpdate, Bounded(1));

        Assert.Equal(Outcome.Clean, zero.Outcome);
        Assert.Equal(0, zero.Bounded!.CleanBound);
        Assert.False(zero.Bounded.Exhaustive);
        Assert.Equal(zero.Iterations, zero.Bounded.Schedules);
        Assert.True(one.FoundBug, one.Message);
        Assert.Equal(1, one.Schedule!.Preemptions);
    }

    [Fact]
    public void ABugThatNeedsTwoPreemptions_IsCleanToOne_AndFoundWithinTwo()
    {
        var one = Explorer.Explore(Programs.NeedsTwoPreemptions, Bounded(1));
        var two = Explorer.Explore(Programs.NeedsTwoPreemptions, Bounded(2));

        Assert.Equal((Outcome.Clean, 1), (one.Outcome, one.Bounded!.CleanBound));
        Assert.True(two.FoundBug, two.Message);
        Assert.Equal(2, two.Schedule!.Preemptions);
    }

    [Fact]
    public void EveryScheduleWithinTheBound_IsRunOnce_AndNoneAbove()
    {
        const uint K = 2;
        var schedules = new List<ScheduleRecord>();
        var search = new BoundedSearch(K, 10_000);
        do
        {
            schedules.Add(Explorer.RunOnce(Programs.AtomicCounter, Exploring.Options, search.NextRun()).Schedule!);
        }
        while (search.RunEnded());

        var coverage = search.Coverage(TimeSpan.Zero);
        var rounds = SplitIntoRounds(schedules);
        for (var k = 0; k < rounds.Count; k++)
        {
            var texts = rounds[k].Select(s => string.Join("\n", s.Entries)).ToList();
            Assert.Equal(texts.Count, texts.Distinct().Count());
            Assert.All(rounds[k], s => Assert.True(s.Preemptions <= k, $"round {k}: {s}"));
            Assert.Contains(rounds[k], s => s.Preemptions == k);
            if (k > 0)
            {
                // Round k runs every schedule of round k - 1 again, and more.
                Assert.Subset(texts.ToHashSet(), rounds[k - 1].Select(s => string.Join("\n", s.Entries)).ToHashSet());
            }
        }

        Assert.Equal((int)K, coverage.CleanBound);
        Assert.Equal(rounds[^1].Count, coverage.Schedules);
    }

    [Fact]
    public void AnExhaustiveSearch_SeesEveryOutcomeRandomExplorationSees()
    {
        static void Racy(SimRuntime rt, Action<string> observe)
        {
            var log = new AtomicInt(rt, "log");
            var a = rt.StartThread("a", () =>
            {
                log.Store(log.Load() * 10 + 1);
                log.Store(log.Load() * 10 + 2);
            });
            var b = rt.StartThread("b", () => log.Store(log.Load() * 10 + 3));
            a.Join();
            b.Join();
            observe(log.Peek().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var exhaustive = new HashSet<string>();
        var search = Explorer.Explore(rt => Racy(rt, o => exhaustive.Add(o)), Bounded(uint.MaxValue, runs: 40_000));
        var random = Outcomes.Observed<string>(Racy, iterations: 2_000, Exploring.Options with { Strategy = Strategy.Random });

        Assert.True(search.Bounded!.Exhaustive, search.Bounded.ToString());
        Assert.Superset(random.ToHashSet(), exhaustive);
        Assert.Contains("12", exhaustive);
        Assert.Contains("3", exhaustive);
    }

    [Fact]
    public void ASmallProgram_IsRunExhaustively_AndSaysSo()
    {
        var result = Explorer.Explore(Programs.AtomicCounter, Bounded(uint.MaxValue));

        Assert.Equal(Outcome.Clean, result.Outcome);
        Assert.True(result.Bounded!.Exhaustive);
        Assert.Equal(result.Bounded.Runs, result.Iterations);
        Assert.StartsWith("every schedule is clean", result.Bounded.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheSearch_GivesTheSameCoverage_EveryTime()
    {
        var first = Explorer.Explore(Programs.AtomicCounter, Bounded(1, runs: 40));
        var second = Explorer.Explore(Programs.AtomicCounter, Bounded(1, runs: 40));

        Assert.Equal(first.Bounded! with { Elapsed = default }, second.Bounded! with { Elapsed = default });
        Assert.Equal(first.SchedulingSteps, second.SchedulingSteps);
    }

    [Fact]
    public void ACleanExplorationOfAnotherStrategy_IsFollowedByTheBoundedSearch()
    {
        var result = Explorer.Explore(Programs.AtomicCounter, Exploring.Options with { Iterations = 20, BoundedSchedules = 5_000 });

        Assert.Equal(Outcome.Clean, result.Outcome);
        Assert.Equal(20, result.Iterations);
        Assert.True(result.Bounded!.Exhaustive);
    }

    [Fact]
    public void AProgramThatDoesNotRepeatItself_CannotBeEnumerated_AndSaysSo()
    {
        var runs = 0;
        var result = Explorer.Explore(rt =>
        {
            var x = new AtomicInt(rt, "x");
            var n = Interlocked.Increment(ref runs);
            var a = rt.StartThread("a", () => x.FetchAdd(1));
            if (n % 2 == 0)
            {
                rt.StartThread("b", () => x.FetchAdd(1)).Join();
            }

            a.Join();
        }, Bounded(2));

        Assert.Equal(Outcome.ScenarioError, result.Outcome);
        Assert.Contains("does not repeat itself under the same schedule", result.Message, StringComparison.Ordinal);
    }

    /// <summary>Splits the runs of an iterative search into its rounds: a round starts over with the same first schedule.</summary>
    private static List<List<ScheduleRecord>> SplitIntoRounds(List<ScheduleRecord> runs)
    {
        var first = string.Join("\n", runs[0].Entries);
        var rounds = new List<List<ScheduleRecord>>();
        foreach (var r in runs)
        {
            if (string.Join("\n", r.Entries) == first)
            {
                rounds.Add([]);
            }

            rounds[^1].Add(r);
        }

        return rounds;
    }
}
