using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Sim.Cli.Hunting;
using Sim.Cli.Reports;
using Sim.Runtime.Exploration;

namespace Sim.Cli.Tests;

/// <summary>
/// Hunts spread over processes and machines: worker processes (<c>--jobs</c>), shards of the variants or of the
/// iterations (<c>--shard K/N</c>, <c>--split</c>, a Kubernetes Indexed Job's variables), and <c>sim merge</c>.
/// </summary>
public sealed class ShardingTests : IDisposable
{
    /// <summary>Five variants: two clean (300 iterations each in these tests), three with a bug found within a few dozen iterations.</summary>
    private static readonly string[] s_selection = ["--scenario", "pymutex-wakeup", "--scenario", "once-flag-retry"];

    /// <summary>An outside scenario assembly: this test assembly, which holds the scenario "misbehaving" (<see cref="FindingsTests"/>).</summary>
    private static readonly string s_outside = typeof(ShardingTests).Assembly.Location;

    private readonly CliHarness _cli = new();

    [Fact]
    public void Slices_AreConsecutive_DoNotOverlap_AndCoverTheBudget()
    {
        foreach (var iterations in new uint[] { 4, 5, 100, 1000, 1001, 10_000_000, uint.MaxValue })
        {
            foreach (var n in new[] { 1, 2, 3, 4, 7, 100 })
            {
                if (new Shard(1, n, ShardSplit.Iterations).CheckSlices(iterations) is not null)
                {
                    continue;
                }

                ulong next = 0;
                for (var k = 1; k <= n; k++)
                {
                    var (first, count) = new Shard(k, n, ShardSplit.Iterations).Slice(iterations);
                    Assert.Equal(next, first);
                    Assert.True(count > 0, $"{k}/{n} of {iterations} is empty");
                    Assert.True(k == n || first % 4 == 0);
                    next = first + (ulong)count;
                }

                Assert.Equal(iterations, next);
            }
        }
    }

    [Fact]
    public void Shard_ComesFromAKubernetesIndexedJob_WhenNoFlagIsGiven()
    {
        var pod = new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = "2", ["JOB_COMPLETIONS"] = "4" };

        Assert.Equal(new Shard(3, 4), Shard.Parse(null, pod));
        Assert.Equal(new Shard(1, 2), Shard.Parse("1/2", pod));
        Assert.Equal(Shard.Whole, Shard.Parse(null, new Dictionary<string, string>()));
        Assert.Throws<UsageException>(() => Shard.Parse(null, new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = "4", ["JOB_COMPLETIONS"] = "4" }));
    }

    [Fact]
    public void Hunt_ShardFromTheEnvironment_RunsThatShard()
    {
        _cli.Environment["JOB_COMPLETION_INDEX"] = "1";
        _cli.Environment["JOB_COMPLETIONS"] = "2";

        var result = _cli.Run(["hunt", .. s_selection, "--iterations", "20"]);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("(shard 2/2)", result.Out, StringComparison.Ordinal);
        Assert.Equal("2/2", Report(_cli.OutputDirectory).GetProperty("shard").GetString());
    }

    [Fact]
    public void Hunt_WithTwoWorkerProcesses_GivesTheVerdictsOfOneProcess()
    {
        var one = _cli.Run(["hunt", .. s_selection, "--iterations", "300", "--output", "one"]);
        var two = _cli.Run(["hunt", .. s_selection, "--iterations", "300", "--output", "two", "--jobs", "2"]);

        Assert.True(one.ExitCode == 0, one.Out + one.Error);
        Assert.True(two.ExitCode == 0, two.Out + two.Error);
        Assert.Contains("in 2 worker processes", two.Out, StringComparison.Ordinal);
        Assert.Equal(Comparable(Report(_cli.PathOf("one"))), Comparable(Report(_cli.PathOf("two"))));
        Assert.Equal(Traces(_cli.PathOf("one")), Traces(_cli.PathOf("two")));
    }

    [Theory]
    [InlineData("variants", "portfolio")]
    [InlineData("iterations", "random")]
    public async Task ShardsInSeparateProcesses_MergeToTheReportOfOneProcess(string split, string strategy)
    {
        string[] common = ["hunt", .. s_selection, "--iterations", "300", "--strategy", strategy, "--split", split];
        var single = _cli.Run([.. common, "--output", "single"]);
        Assert.True(single.ExitCode == 0, single.Out + single.Error);

        var shards = await Task.WhenAll(Enumerable.Range(1, 3).Select(k => Task.Run(() => SimProcess.Run(_cli.Directory, null, [.. common, "--shard", $"{k}/3", "--output", $"shard{k}"]))));
        foreach (var shard in shards)
        {
            Assert.True(shard.ExitCode == 0, shard.Out + shard.Error);
        }

        var merge = _cli.Run("merge", "shard1", "shard2/hunt.json", "shard3", "--output", "merged");

        Assert.True(merge.ExitCode == 0, merge.Out + merge.Error);
        Assert.Contains("PASSED: 5 variants: 5 met, 0 not met, 0 errors (3 shards", merge.Out, StringComparison.Ordinal);
        var merged = Report(_cli.PathOf("merged"));
        Assert.Equal(Comparable(Report(_cli.PathOf("single"))), Comparable(merged));
        Assert.Equal(["1/3", "2/3", "3/3"], merged.GetProperty("mergedFrom").EnumerateArray().Select(e => e.GetString()));
        foreach (var trace in merged.GetProperty("results").EnumerateArray().Select(e => e.GetProperty("trace")).Where(t => t.ValueKind == JsonValueKind.String))
        {
            Assert.True(File.Exists(Path.Combine(_cli.PathOf("merged"), trace.GetString()!)), trace.GetString());
        }

        var junit = XDocument.Load(Path.Combine(_cli.PathOf("merged"), "hunt.junit.xml"));
        Assert.Equal("5", junit.Root!.Attribute("tests")!.Value);
        if (split == "iterations")
        {
            // Same strategy, seed and iterations: the random strategy's schedules of a slice are those of the whole run,
            // so even the scheduling steps agree.
            Assert.Equal(Steps(Report(_cli.PathOf("single"))), Steps(merged));
        }
    }

    [Fact]
    public void Hunt_OfAnOutsideAssembly_WithTwoWorkerProcesses_GivesTheVerdictsOfOneProcess()
    {
        string[] outside = ["hunt", "--assembly", s_outside, "--scenario", "misbehaving/throws", "--scenario", "misbehaving/deadlocks", "--iterations", "50"];

        var one = _cli.Run([.. outside, "--output", "one"]);
        var two = _cli.Run([.. outside, "--output", "two", "--jobs", "2"]);

        Assert.True(one.ExitCode == 0, one.Out + one.Error);
        Assert.True(two.ExitCode == 0, two.Out + two.Error);
        Assert.Contains("in 2 worker processes", two.Out, StringComparison.Ordinal);
        Assert.Contains("2 variants: 2 met", two.Out, StringComparison.Ordinal);
        Assert.Equal(Comparable(Report(_cli.PathOf("one"))), Comparable(Report(_cli.PathOf("two"))));
        Assert.Equal(Traces(_cli.PathOf("one")), Traces(_cli.PathOf("two")));
    }

    [Fact]
    public void ShardsOfAnOutsideAssembly_MergeFromTheAssemblyTheirReportsName_ButNotWithAnotherAssemblysShard()
    {
        string[] outside = ["hunt", "--assembly", s_outside, "--scenario", "misbehaving/throws", "--scenario", "misbehaving/deadlocks", "--iterations", "50", "--seed", "7"];
        foreach (var k in new[] { 1, 2 })
        {
            var shard = SimProcess.Run(_cli.Directory, null, [.. outside, "--shard", $"{k}/2", "--output", $"shard{k}"]);
            Assert.True(shard.ExitCode == 0, shard.Out + shard.Error);
        }

        var named = Report(_cli.PathOf("shard1")).GetProperty("assemblies").EnumerateArray().Single();
        Assert.Equal("Sim.Cli.Tests", named.GetProperty("name").GetString());
        Assert.Equal(s_outside, named.GetProperty("path").GetString());

        var merge = _cli.Run("merge", "shard1", "shard2", "--output", "merged");
        Assert.True(merge.ExitCode == 0, merge.Out + merge.Error);
        Assert.Contains("PASSED: 2 variants: 2 met", merge.Out, StringComparison.Ordinal);
        Assert.Equal(["misbehaving/throws", "misbehaving/deadlocks"], Report(_cli.PathOf("merged")).GetProperty("results").EnumerateArray()
            .Select(e => $"{e.GetProperty("scenario").GetString()}/{e.GetProperty("variant").GetString()}"));

        // A shard of the built-in corpus, otherwise alike; and shards of the corpus merged as if they were of the assembly.
        Write("corpus", Sharding.Report(passed: true, shard: "2/2") with { Settings = Report(_cli.PathOf("shard1")).GetProperty("settings").Deserialize<JsonObject>()! });
        _cli.Run("merge", "shard1", "corpus", "--output", "m").AssertBadInput("differ in their scenario assemblies (the built-in corpus and Sim.Cli.Tests)");
        Write("corpus1", Sharding.Report(passed: true, shard: "1/2"));
        _cli.Run("merge", "corpus1", "corpus", "--output", "m", "--assembly", s_outside)
            .AssertBadInput("is the report of a hunt of the scenarios of the built-in corpus, not of Sim.Cli.Tests: give the --assembly or --project that hunt was given");
        Assert.False(Directory.Exists(_cli.PathOf("m")));
    }

    [Fact]
    public void Merge_RefusesShardsOfDifferentSettingsBuildsOrCounts_AndAMissingOrRepeatedShard()
    {
        Write("a", Sharding.Report(passed: true, shard: "1/2"));
        Write("b", Sharding.Report(passed: true, shard: "2/2") with { Settings = new JsonObject { ["iterations"] = 7 } });
        Write("c", Sharding.Report(passed: true, shard: "2/2") with { Build = "0000000000000000" });
        Write("d", Sharding.Report(passed: true, shard: "2/3"));
        Write("e", Sharding.Report(passed: true, shard: "1/2"));

        _cli.Run("merge", "a", "b", "--output", "m").AssertBadInput("differ in their settings");
        _cli.Run("merge", "a", "c", "--output", "m").AssertBadInput("differ in their build");
        _cli.Run("merge", "a", "d", "--output", "m").AssertBadInput("is shard 2/3 but");
        _cli.Run("merge", "a", "e", "--output", "m").AssertBadInput("are both shard 1/2");
        _cli.Run("merge", "a", "--output", "m").AssertBadInput("the reports of shard 2/2 are missing");
        _cli.Run("merge", "nowhere", "--output", "m").AssertBadInput("no such report");
        Assert.False(Directory.Exists(_cli.PathOf("m")));
    }

    [Fact]
    public void Merge_OfAnInterruptedShard_SaysInterrupted_AndExits130()
    {
        Write("a", Sharding.Report(passed: true, shard: "1/2"));
        Write("b", Sharding.Report(passed: false, shard: "2/2") with { Interrupted = true, Total = 1 });

        var result = _cli.Run("merge", "a", "b", "--output", "m");

        Assert.True(result.ExitCode == 130, result.Out + result.Error);
        Assert.Contains("INTERRUPTED: a shard was interrupted (Ctrl-C or SIGTERM): 1 variant: 0 met", result.Out, StringComparison.Ordinal);
        Assert.Contains("; 1 variant did not finish", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_OfAFileThatIsNotAReport_IsBadInput_SayingWhatIsWrong()
    {
        // Random bytes were read whole (from /dev/urandom: until the process ran out of memory, an internal error), and a
        // report without its fields was refused with the serializer's message naming the tool's type.
        var bytes = new byte[4 << 20];
        new Random(5).NextBytes(bytes);
        bytes[0] = 0x80;
        File.WriteAllBytes(_cli.PathOf("random.bin"), bytes);
        File.WriteAllText(_cli.PathOf("notes.txt"), "Scenario, then each variant");
        File.WriteAllText(_cli.PathOf("bare.json"), """{ "format": "sim-hunt/1" }""");

        _cli.Run("merge", "random.bin", "--output", "m").AssertBadInput("random.bin is not a sim hunt report (it is not a JSON object)");
        _cli.Run("merge", "notes.txt", "--output", "m").AssertBadInput("notes.txt is not a sim hunt report (it is not a JSON object)");
        var line = _cli.Run("merge", "bare.json", "--output", "m").AssertBadInput("bare.json is not a valid sim hunt report: it has no \"");
        Assert.DoesNotContain("Sim.Cli", line, StringComparison.Ordinal);
        if (File.Exists("/dev/urandom"))
        {
            _cli.Run("merge", "/dev/urandom", "--output", "m").AssertBadInput("is not a sim hunt report");
        }

        Assert.False(Directory.Exists(_cli.PathOf("m")));
    }

    [Fact]
    public void Hunt_SplittingIterations_NeedsAFixedSeedAndEnoughIterations()
    {
        _cli.Run("hunt", "--shard", "1/2", "--seed", "random").AssertBadInput("needs a fixed seed");
        _cli.Run("hunt", "--shard", "1/3", "--split", "iterations", "--iterations", "8").AssertBadInput("cannot be split into 3 shards");
        _cli.Run("hunt", "--split", "seeds").AssertBadInput("--split \"seeds\" is not valid");
        _cli.Run("hunt", "--jobs", "0").AssertBadInput("--jobs \"0\" is not valid");
    }

    public void Dispose() => _cli.Dispose();

    private void Write(string folder, HuntReport report)
    {
        Directory.CreateDirectory(_cli.PathOf(folder));
        File.WriteAllText(Path.Combine(_cli.PathOf(folder), "hunt.json"), Output.Json.Serialize(report));
    }

    private static JsonElement Report(string folder)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "hunt.json")));
        return json.RootElement.Clone();
    }

    /// <summary>
    /// What must agree between two hunts of the same settings: the totals and each variant's outcome, finding, verdict,
    /// iterations and trace, and what shrinking and the preemption-bounded search did (but their times).
    /// </summary>
    private static string Comparable(JsonElement report) =>
        $"{report.GetProperty("passed")} {report.GetProperty("total")} {report.GetProperty("met")} {report.GetProperty("notMet")} {report.GetProperty("errors")}\n" +
        string.Join("\n", report.GetProperty("results").EnumerateArray().Select(e =>
            string.Join(" | ", new[] { "scenario", "variant", "outcome", "kind", "message", "verdict", "explanation", "iterations", "trace" }.Select(p => e.GetProperty(p).ToString())
                .Concat(new[] { "shrink", "bounded" }.Select(p => WithoutTimes(e.GetProperty(p)))))));

    private static string WithoutTimes(JsonElement figures) =>
        figures.ValueKind == JsonValueKind.Object
            ? string.Join(",", figures.EnumerateObject().Where(p => p.Name != "elapsedSeconds").Select(p => $"{p.Name}={p.Value}"))
            : figures.ToString();

    private static string Steps(JsonElement report) =>
        string.Join(",", report.GetProperty("results").EnumerateArray().Select(e => e.GetProperty("schedulingSteps").GetInt64()));

    private static string Traces(string folder) =>
        string.Join(",", Directory.GetFiles(Path.Combine(folder, "traces")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
}

/// <summary>Hand-made hunt reports for the tests of merging and writing reports.</summary>
internal static class Sharding
{
    public static HuntReport Report(bool passed, string shard = "1/1") => new()
    {
        Tool = ToolInfo.NameAndVersion,
        Build = ToolInfo.Build,
        StartedAt = DateTimeOffset.UnixEpoch,
        ElapsedSeconds = 1,
        ConfigFile = null,
        Settings = Configuration.RecordedSettings.Of(new ExplorationOptions { Seed = 1 }),
        Selection = [],
        Shard = shard,
        Split = ShardSplit.Variants,
        Passed = passed,
        Total = 0,
        Met = 0,
        NotMet = 0,
        Errors = 0,
        Results = [],
    };
}
