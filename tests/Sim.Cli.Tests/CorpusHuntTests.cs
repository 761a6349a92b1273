using System.Text.RegularExpressions;
using Sim.Cli.Configuration;
using Sim.Cli.Hunting;
using Sim.Cli.Reports;
using Sim.Cli.Traces;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Catalog;

namespace Sim.Cli.Tests;

/// <summary>
/// The corpus claim, made once: every variant meets its expectation through the hunt loop that <c>sim hunt</c> runs,
/// with the settings of the repository's Coyote.config (the default budget CI's hunt used), and every bug found comes
/// back as a trace file that replays the same failure twenty times out of twenty. CI's <c>sim hunt</c> step is a smoke
/// run of the command; the default-budget exploration of every variant happens here, in <c>dotnet test</c>.
/// </summary>
/// <remarks>
/// Determinism, end to end, is checked on the same runs without exploring a variant twice at its full budget. A variant
/// that expects a bug is explored a second time in this process (which has explored other scenarios in between),
/// without shrinking, and must give the same outcome, iteration, steps, message and schedule as the hunt before it shrank
/// the schedule: cheap, since it stops at the bug, and it checks the seeded strategy phase end to end; each trace (the
/// shrunk schedule) is replayed here after another scenario's exploration, and in a fresh process
/// (<c>dotnet sim.dll replay</c>), whose output must be byte for byte the in-process replay's. A clean variant is not
/// explored again (that was its 1,000 iterations a second time, about a third of its runs here, and clean variants take
/// most of this test's time): its hunt ends with the preemption-bounded search, which runs schedule after schedule under
/// a gate, each following a prefix of the one before (and each round of a larger bound runs the previous round's
/// schedules again), and reports a program that does not repeat itself under the same decisions as a scenario error,
/// which fails the variant here; the test checks that this search ran more than one schedule. Same seed, same totals
/// across processes, clean variants included: <see cref="ShardingTests"/> (shards and worker processes against one
/// process).
/// </remarks>
public sealed partial class CorpusHuntTests : IDisposable
{
    private const int Replays = 20;

    private readonly CliHarness _cli = new();

    public static TheoryData<string, string> AllVariants()
    {
        var data = new TheoryData<string, string>();
        foreach (var variant in Catalog.Default.AllVariants)
        {
            data.Add(variant.Scenario.Name, variant.Variant.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllVariants))]
    public void EveryVariant_MeetsItsExpectationInTheHunt_RepeatsItself_AndEveryBugReplaysTwentyTimesOutOfTwenty(string scenario, string variant)
    {
        var target = Catalog.Default.Select([$"{scenario}/{variant}"]).Single();
        var options = RepositoryOptions();
        var plan = new HuntPlan([target], options, _cli.OutputDirectory, Shard.Whole, ConfigFile: null);

        var report = HuntLoop.Run(plan, new Quiet());

        var entry = Assert.Single(report.Results);
        Assert.True(entry.Verdict == VerdictKind.Met, $"{target.Name}: {entry.Explanation}");
        Assert.True(report.Passed);
        Assert.Equal(target.Variant.Expected.ExpectsBug, entry.Trace is not null);

        if (entry.Trace is null)
        {
            // Clean: the preemption-bounded search after the exploration re-ran schedule prefixes under a gate, so the
            // program repeated itself (see the remarks).
            Assert.True(entry.Bounded is { Runs: > 1 }, $"{target.Name}: the preemption-bounded search did not run a second schedule");
            return;
        }

        // The same exploration again, without shrinking after it: it must find the same bug at the same iteration after
        // the same steps, on the schedule the hunt found before shrinking it. What shrinking made of that schedule is
        // checked by the replays below.
        var again = VariantExploration.Run(target, options with { ShrinkRuns = 0 });
        Assert.Equal((entry.Outcome, entry.Kind), (again.Outcome, again.Kind));
        Assert.Equal((entry.Iterations, entry.SchedulingSteps), (again.Iterations, again.SchedulingSteps));

        var path = Path.Combine(_cli.OutputDirectory, entry.Trace);
        var trace = TraceStore.Load(path, entry.Trace);
        var schedule = TraceStore.Schedule(trace, entry.Trace);
        var shrunk = entry.Shrink is { } s && (s.StepsAfter, s.PreemptionsAfter) != (s.StepsBefore, s.PreemptionsBefore);
        if (shrunk)
        {
            // Shrinking keeps the finding up to the numbers in its message (thread ids, counts).
            Assert.Equal((entry.Shrink!.StepsBefore, entry.Shrink.PreemptionsBefore), (again.Schedule!.Steps, again.Schedule.Preemptions));
            Assert.Equal(Digits().Replace(entry.Message!, "#"), Digits().Replace(again.Message!, "#"));
        }
        else
        {
            Assert.Equal(entry.Message, again.Message);
            Assert.Equal(schedule.Entries, again.Schedule!.Entries);
            Assert.Equal(trace.Steps, TraceFileStep.Of(again));
        }

        // Replays, after another scenario's exploration in this process.
        Assert.True(Explorer.Explore(LostUpdate, options with { Strategy = Strategy.Random }).FoundBug);
        var replayOptions = TraceStore.ReplayOptions(trace, entry.Trace);
        for (var i = 0; i < Replays; i++)
        {
            var replay = Explorer.Replay(target.Scenario.Program(target.Variant), schedule, replayOptions, trace.Finding.Kind == FindingKind.Livelock);
            Assert.Equal(Outcome.BugFound, replay.Outcome);
            Assert.Equal(trace.Finding.Kind, replay.Kind);
            Assert.Equal(trace.Finding.Message, replay.Message);
            Assert.Equal(trace.Steps, TraceFileStep.Of(replay));
        }

        var here = _cli.Run("replay", path);
        Assert.True(here.ExitCode == 0, here.Out + here.Error);
        var fresh = SimProcess.Run(_cli.Directory, "replay", path);
        Assert.Equal((0, here.Out, here.Error), (fresh.ExitCode, fresh.Out, fresh.Error));
    }

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Digits();

    /// <summary>Another program to explore between a variant's exploration and its replays.</summary>
    private static void LostUpdate(SimRuntime rt)
    {
        var x = new PlainCell<int>(rt, "x");
        var threads = Enumerable.Range(0, 2).Select(i => rt.StartThread($"t{i}", () => x.Write(x.Read() + 1))).ToList();
        threads.ForEach(t => t.Join());
        rt.Check(x.Peek() == 2, "lost update");
    }

    /// <summary>The exploration options <c>sim hunt</c> runs with from the repository's root: its Coyote.config, no variables, no flags.</summary>
    private static ExplorationOptions RepositoryOptions()
    {
        var root = CliHarness.RepositoryRoot();
        var context = new CliContext { Out = TextWriter.Null, Error = TextWriter.Null, Environment = new Dictionary<string, string>(), WorkingDirectory = root };
        var resolved = SettingsResolver.Resolve(context, configFlag: null, flags: []);
        Assert.NotNull(resolved.File);
        Assert.NotNull(resolved.Settings.Exploration.Seed);
        return resolved.Settings.ToExplorationOptions(resolved.Seed);
    }

    public void Dispose() => _cli.Dispose();

    private sealed class Quiet : IHuntProgress
    {
        public void VariantStarting(int index, VariantRef variant)
        {
        }

        public void IterationStarting(int index, int iteration)
        {
        }

        public void VariantFinished(int index, HuntEntry entry)
        {
        }
    }
}
