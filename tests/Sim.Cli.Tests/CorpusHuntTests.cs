using Sim.Cli.Configuration;
using Sim.Cli.Hunting;
using Sim.Cli.Reports;
using Sim.Cli.Traces;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Catalog;

namespace Sim.Cli.Tests;

/// <summary>
/// The corpus claim, made once: every variant meets its expectation through the hunt loop that <c>sim hunt</c> runs,
/// with the settings of the repository's Coyote.config (the default budget CI's hunt used), and every bug found comes
/// back as a trace file that replays the same failure twenty times out of twenty. CI's <c>sim hunt</c> step is a smoke
/// run of the command; the default-budget exploration of every variant happens here, in <c>dotnet test</c>.
/// </summary>
public sealed class CorpusHuntTests : IDisposable
{
    private const int Replays = 20;

    private readonly CliHarness _cli = new();

    public static TheoryData<string, string> AllVariants()
    {
        var data = new TheoryData<string, string>();
        foreach (var variant in Catalog.AllVariants)
        {
            data.Add(variant.Scenario.Name, variant.Variant.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllVariants))]
    public void EveryVariant_MeetsItsExpectationInTheHunt_AndEveryBugReplaysTwentyTimesOutOfTwenty(string scenario, string variant)
    {
        var target = Catalog.Select([$"{scenario}/{variant}"]).Single();
        var plan = new HuntPlan([target], RepositoryOptions(), _cli.OutputDirectory, Shard.Whole, ConfigFile: null);

        var report = HuntLoop.Run(plan, new Quiet());

        var entry = Assert.Single(report.Results);
        Assert.True(entry.Verdict == VerdictKind.Met, $"{target.Name}: {entry.Explanation}");
        Assert.True(report.Passed);
        Assert.Equal(target.Variant.Expected.ExpectsBug, entry.Trace is not null);
        if (entry.Trace is null)
        {
            return;
        }

        var trace = TraceStore.Load(Path.Combine(_cli.OutputDirectory, entry.Trace), entry.Trace);
        var options = TraceStore.ReplayOptions(trace, entry.Trace);
        for (var i = 0; i < Replays; i++)
        {
            var again = Explorer.Replay(target.Scenario.Program(target.Variant), trace.CoyoteTraceText(), options);
            Assert.Equal(Outcome.BugFound, again.Outcome);
            Assert.Equal(trace.Finding.Kind, again.Kind);
            Assert.Equal(trace.Finding.Message, again.Message);
            Assert.Equal(trace.Steps.Count, again.Steps.Count);
        }
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
