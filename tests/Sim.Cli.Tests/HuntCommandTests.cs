using System.Text.Json;
using System.Xml.Linq;
using Sim.Cli.Hunting;
using Sim.Cli.Reports;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Catalog;

namespace Sim.Cli.Tests;

public sealed class HuntCommandTests : IDisposable
{
    private static readonly string[] s_calibration = ["once-flag-retry", "pymutex-wakeup", "seqlock-torn-read"];

    private readonly CliHarness _cli = new();

    [Fact]
    public void Hunt_CalibrationScenarios_MeetsEveryExpectationAndWritesWellFormedReports()
    {
        var result = _cli.Run("hunt", "--scenario", "pymutex-*", "--scenario", "once-flag-retry", "--scenario", "seqlock-torn-read");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        var variants = ScenarioCatalog.Default.All.Where(s => s_calibration.Contains(s.Name)).SelectMany(s => s.Variants.Select(v => (Scenario: s.Name, v.Name, v.Expected))).ToList();
        Assert.Contains($"PASSED: {variants.Count} variants: {variants.Count} met, 0 not met, 0 errors", result.Out, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_cli.OutputDirectory, "hunt.json")));
        var report = json.RootElement;
        Assert.Equal("sim-hunt/1", report.GetProperty("format").GetString());
        Assert.True(report.GetProperty("passed").GetBoolean());
        Assert.Equal(variants.Count, report.GetProperty("total").GetInt32());
        Assert.Equal(20261125u, report.GetProperty("settings").GetProperty("seed").GetUInt32());
        var entries = report.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(variants.Select(v => $"{v.Scenario}/{v.Name}"), entries.Select(e => $"{e.GetProperty("scenario").GetString()}/{e.GetProperty("variant").GetString()}"));
        foreach (var (entry, variant) in entries.Zip(variants))
        {
            Assert.Equal("met", entry.GetProperty("verdict").GetString());
            if (variant.Expected.ExpectsBug)
            {
                Assert.Equal("bugFound", entry.GetProperty("outcome").GetString());
                Assert.Contains(((Expectation.BugExpectation)variant.Expected).Fragment, entry.GetProperty("message").GetString(), StringComparison.Ordinal);
                Assert.True(File.Exists(Path.Combine(_cli.OutputDirectory, entry.GetProperty("trace").GetString()!)));
            }
            else
            {
                Assert.Equal("clean", entry.GetProperty("outcome").GetString());
                Assert.Equal(200, entry.GetProperty("iterations").GetInt32());
                Assert.Equal(JsonValueKind.Null, entry.GetProperty("trace").ValueKind);
            }
        }

        var junit = XDocument.Load(Path.Combine(_cli.OutputDirectory, "hunt.junit.xml"));
        Assert.Equal("testsuites", junit.Root!.Name.LocalName);
        Assert.Equal(variants.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), junit.Root.Attribute("tests")!.Value);
        var cases = junit.Descendants("testcase").ToList();
        Assert.Equal(variants.Select(v => $"{v.Scenario}/{v.Name}"), cases.Select(c => $"{c.Attribute("classname")!.Value}/{c.Attribute("name")!.Value}"));
        Assert.Empty(junit.Descendants("failure"));
        Assert.Empty(junit.Descendants("error"));
    }

    [Fact]
    public void Hunt_ExpectedBugNotFound_ExitsOneWithAFailureElement()
    {
        var result = _cli.Run("hunt", "--scenario", "pymutex-wakeup/unlock-ignores-parked", "--iterations", "1", "--strategy", "random", "--bounded-schedules", "0", "--output", "report");

        Assert.True(result.ExitCode == 1, result.Out + result.Error);
        Assert.Contains("NOT MET", result.Out, StringComparison.Ordinal);
        Assert.Contains("FAILED: 1 variants: 0 met, 1 not met", result.Out, StringComparison.Ordinal);
        var output = _cli.PathOf("report");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "hunt.json")));
        Assert.False(json.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal("notMet", json.RootElement.GetProperty("results")[0].GetProperty("verdict").GetString());
        var failure = XDocument.Load(Path.Combine(output, "hunt.junit.xml")).Descendants("failure").Single();
        Assert.Contains("no bug in 1 iterations; expected one containing \"Deadlock\"", failure.Attribute("message")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Hunt_TheBoundedSearchAfterACleanExploration_FindsTheBugItMissed_AndReportsEachFixedVariantsCoverage()
    {
        var result = _cli.Run("hunt", "--scenario", "pymutex-wakeup", "--iterations", "1", "--strategy", "random", "--bounded-schedules", "300", "--output", "report");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_cli.PathOf("report"), "hunt.json")));
        var results = json.RootElement.GetProperty("results");
        var fixedVariant = results.EnumerateArray().Single(r => r.GetProperty("variant").GetString() == "cpython-3.13");
        var broken = results.EnumerateArray().Single(r => r.GetProperty("variant").GetString() == "unlock-ignores-parked");
        Assert.Equal("clean", fixedVariant.GetProperty("outcome").GetString());
        var bounded = fixedVariant.GetProperty("bounded");
        Assert.True(bounded.GetProperty("cleanBound").GetInt32() >= 0);
        Assert.True(bounded.GetProperty("schedules").GetInt64() > 0);
        Assert.Equal(300, bounded.GetProperty("runs").GetInt64());
        Assert.Equal("bugFound", broken.GetProperty("outcome").GetString());
        Assert.StartsWith("random, seed 20261125, then preemption-bounded", broken.GetProperty("strategy").GetString(), StringComparison.Ordinal);
        Assert.True(broken.GetProperty("shrink").GetProperty("stepsAfter").GetInt32() > 0);
        Assert.Matches(@"cpython-3.13 .* (<= [0-9]+ preemptions?|0 preemptions): [0-9,]+ ", result.Out);
        var junit = XDocument.Load(Path.Combine(_cli.PathOf("report"), "hunt.junit.xml"));
        Assert.Contains(junit.Descendants("system-out"), e => e.Value.Contains(" preemption", StringComparison.Ordinal) && e.Value.Contains("schedules: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Hunt_AFailureLine_PrintsTheCommandThatReplaysItsTrace()
    {
        // A step bound of 10 turns the expected deadlock into a livelock: another bug than the expected one.
        var result = _cli.Run("hunt", "--scenario", "pymutex-wakeup/unlock-ignores-parked", "--max-steps", "10", "--output", "report");

        Assert.True(result.ExitCode == 1, result.Out + result.Error);
        var trace = Path.Combine("report", "traces", "pymutex-wakeup.unlock-ignores-parked.portfolio-20261125.json");
        Assert.Contains(
            $"NOT MET: pymutex-wakeup/unlock-ignores-parked: found another bug than the expected one",
            result.Out, StringComparison.Ordinal);
        Assert.Contains($"(replay: dotnet run --project {Path.Combine(CliHarness.RepositoryRoot(), "Cli")} -- replay {trace})", result.Out, StringComparison.Ordinal);
        var replay = _cli.Run("replay", _cli.PathOf(trace));
        Assert.True(replay.ExitCode == 0, replay.Out + replay.Error);
        Assert.Contains("REPRODUCED: livelock", replay.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Hunt_Shard_SplitsTheVariants()
    {
        var first = _cli.Run("hunt", "--scenario", "pymutex-wakeup", "--shard", "1/2", "--iterations", "5");
        var second = _cli.Run("hunt", "--scenario", "pymutex-wakeup", "--shard", "2/2", "--iterations", "5");

        Assert.Contains("pymutex-wakeup/cpython-3.13", first.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("pymutex-wakeup/unlock-ignores-parked", first.Out, StringComparison.Ordinal);
        Assert.Contains("pymutex-wakeup/unlock-ignores-parked", second.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("pymutex-wakeup/cpython-3.13", second.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--scenario", "pymutex-wakup", "--scenario 'pymutex-wakup' matches no scenario (did you mean 'pymutex-wakeup'?)")]
    [InlineData("--scenario", "pymutex-wakeup/nope", "matches no scenario/variant")]
    [InlineData("--shard", "3/2", "--shard \"3/2\" is not valid")]
    public void Hunt_BadInput_ExitsTwoAndWritesNothing(string flag, string value, string fragment)
    {
        _cli.Run("hunt", flag, value).AssertBadInput(fragment);

        Assert.False(Directory.Exists(_cli.OutputDirectory));
    }

    [Fact]
    public void HuntLoop_RewritesTheReportsAfterEveryVariant_SoAStoppedHuntKeepsWhatFinishedAndNeverSaysPassed()
    {
        var stale = Path.Combine(_cli.OutputDirectory, "hunt.json");
        Directory.CreateDirectory(_cli.OutputDirectory);
        File.WriteAllText(stale, """{ "passed": true }""");
        var plan = new HuntPlan(
            Catalog.Select(["pymutex-wakeup"]), new ExplorationOptions { Iterations = 100, Seed = 20261125 }, _cli.OutputDirectory, Shard.Whole, ConfigFile: null);
        var seen = new List<(int Results, int Total, bool Passed)>();

        var report = HuntLoop.Run(plan, new ReadsTheReports(stale, seen));

        Assert.True(report.Passed, string.Join("; ", report.Results.Select(r => r.Explanation)));
        Assert.Equal([(0, 2, false), (1, 2, false), (1, 2, false), (2, 2, true)], seen);
        Assert.Equal(2, report.Results.Count);
    }

    public void Dispose() => _cli.Dispose();

    /// <summary>Reads hunt.json from disk as each variant starts and finishes.</summary>
    private sealed class ReadsTheReports(string path, List<(int Results, int Total, bool Passed)> seen) : IHuntProgress
    {
        public void VariantStarting(int index, VariantRef variant) => Read();

        public void IterationStarting(int iteration)
        {
        }

        public void VariantFinished(int index, HuntEntry entry) => Read();

        private void Read()
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var root = json.RootElement;
            seen.Add((root.GetProperty("results").GetArrayLength(), root.GetProperty("total").GetInt32(), root.GetProperty("passed").GetBoolean()));
        }
    }
}
