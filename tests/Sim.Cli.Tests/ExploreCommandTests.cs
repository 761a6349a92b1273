using System.Text.Json;

namespace Sim.Cli.Tests;

public sealed class ExploreCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public void Explore_BrokenCalibrationVariant_FindsTheBugAndSavesATrace()
    {
        var result = _cli.Run("explore", "pymutex-wakeup", "--variant", "unlock-ignores-parked");

        Assert.True(result.ExitCode == 1, result.Out + result.Error);
        Assert.Contains("BUG FOUND (deadlock)", result.Out, StringComparison.Ordinal);
        Assert.Contains("Expectation: met", result.Out, StringComparison.Ordinal);
        Assert.Contains(" step  │T1 main", result.Out, StringComparison.Ordinal);
        var trace = Directory.GetFiles(Path.Combine(_cli.OutputDirectory, "traces"), "*.json").Single();
        Assert.Equal("pymutex-wakeup.unlock-ignores-parked.portfolio-20261125.json", Path.GetFileName(trace));
        var shown = Path.Combine("out", "traces", Path.GetFileName(trace));
        Assert.Contains($"Trace saved: {shown}", result.Out, StringComparison.Ordinal);
        Assert.Contains($"Replay it:   dotnet run --project {Path.Combine(CliHarness.RepositoryRoot(), "Cli")} -- replay {shown}", result.Out, StringComparison.Ordinal);
        Assert.Matches(@"Shrunk:   [0-9]+ steps, [0-9]+ preemptions -> [0-9]+ steps, [0-9]+ preemptions? \(50 candidate schedules", result.Out);

        using var json = JsonDocument.Parse(File.ReadAllText(trace));
        var root = json.RootElement;
        Assert.Equal("sim-trace/3", root.GetProperty("format").GetString());
        Assert.Equal("pymutex-wakeup", root.GetProperty("scenario").GetString());
        Assert.Equal("unlock-ignores-parked", root.GetProperty("variant").GetString());
        Assert.StartsWith("LockDesign {", root.GetProperty("design").GetString(), StringComparison.Ordinal);
        Assert.Equal("deadlock", root.GetProperty("finding").GetProperty("kind").GetString());
        Assert.StartsWith("Deadlock", root.GetProperty("finding").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(20261125u, root.GetProperty("settings").GetProperty("seed").GetUInt32());
        var schedule = root.GetProperty("schedule");
        Assert.Equal(schedule.GetProperty("steps").GetInt32(), schedule.GetProperty("entries").GetArrayLength());
        Assert.True(schedule.GetProperty("preemptions").GetInt32() < root.GetProperty("shrink").GetProperty("preemptionsBefore").GetInt32());
        Assert.StartsWith("sha256:", schedule.GetProperty("digest").GetString(), StringComparison.Ordinal);
        Assert.Equal("T1 of T1: spawn T2(worker0)", schedule.GetProperty("entries")[0].GetString()); // a start is a scheduling point
        Assert.Contains(schedule.GetProperty("entries").EnumerateArray(), e => e.GetString()!.Contains(" of T1,T2,T3,T4: ", StringComparison.Ordinal));
        Assert.True(root.GetProperty("shrink").GetProperty("preemptionsBefore").GetInt32() >= 1);
        Assert.NotEmpty(root.GetProperty("steps").EnumerateArray());
        Assert.Empty(Directory.GetFiles(Path.Combine(_cli.OutputDirectory, "traces"), "*.tmp"));
    }

    [Fact]
    public void Explore_WithShrinkingOff_KeepsTheScheduleFound()
    {
        var result = _cli.Run("explore", "pymutex-wakeup", "--variant", "unlock-ignores-parked", "--shrink-runs", "0");

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("Shrunk:", result.Out, StringComparison.Ordinal);
        Assert.Matches(@"Schedule: [0-9]+ steps, [0-9]+ preemptions", result.Out);
    }

    [Fact]
    public void Explore_TheBoundedStrategy_FindsTheBugWithTheFewestPreemptions()
    {
        var result = _cli.Run("explore", "seqlock-torn-read", "--variant", "reader-skips-end-read", "--strategy", "preemption-bounded", "--iterations", "5000");

        Assert.True(result.ExitCode == 1, result.Out + result.Error);
        Assert.Contains("Strategy: preemption-bounded(10), seed 20261125", result.Out, StringComparison.Ordinal);
        Assert.Contains("Schedule: ", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Explore_CleanVariant_ExitsZeroWithStatisticsAndNoTrace()
    {
        var result = _cli.Run("explore", "pymutex-wakeup", "--iterations", "20");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("CLEAN: no bug in 20 iterations", result.Out, StringComparison.Ordinal);
        Assert.Contains("Iterations: 20", result.Out, StringComparison.Ordinal);
        Assert.Contains("Iterations/s:", result.Out, StringComparison.Ordinal);
        Assert.Matches(@"Bounded:  every schedule (without preemptions|with at most [0-9]+ preemptions?) is clean \([0-9,]+ schedules\) \(50 schedules run in ", result.Out);
        Assert.False(Directory.Exists(Path.Combine(_cli.OutputDirectory, "traces")));
    }

    [Fact]
    public void Explore_OutputFolderUnderAFile_IsRefusedBeforeExploring()
    {
        // Checked only when the trace was saved, this lost the bug after the exploration and its shrinking had run.
        File.WriteAllText(_cli.PathOf("file"), "not a folder");

        var line = _cli.Run("explore", "pymutex-wakeup", "--variant", "unlock-ignores-parked", "--output", "file/out").AssertBadInput("cannot write to the output folder");

        Assert.Contains("set another outputDirectory", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pymutex-wakup", "did you mean 'pymutex-wakeup'")]
    [InlineData("no-such-scenario", "run 'sim list'")]
    public void Explore_UnknownScenario_ExitsTwoWithOneLine(string name, string hint)
    {
        var line = _cli.Run("explore", name).AssertBadInput($"unknown scenario '{name}'");

        Assert.Contains(hint, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Explore_UnknownVariant_ExitsTwoNamingTheVariants()
    {
        var line = _cli.Run("explore", "pymutex-wakeup", "--variant", "unlock-ignore-parked").AssertBadInput("has no variant 'unlock-ignore-parked'");

        Assert.Contains("did you mean 'unlock-ignores-parked'", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_cli.OutputDirectory));
    }

    [Theory]
    [InlineData("--iterations", "0", "--iterations \"0\" is not valid")]
    [InlineData("--strategy", "pctt", "did you mean 'pct'")]
    [InlineData("--seed", "-1", "--seed \"-1\" is not valid")]
    [InlineData("--steps", "zero", "--steps \"zero\" is not valid")]
    public void Explore_InvalidFlag_ExitsTwo(string flag, string value, string fragment) =>
        _cli.Run("explore", "pymutex-wakeup", flag, value).AssertBadInput(fragment);

    [Fact]
    public void UnknownFlagOrCommand_ExitsTwoWithASuggestion()
    {
        _cli.Run("explore", "pymutex-wakeup", "--iteration", "5").AssertBadInput("did you mean '--iterations'");
        _cli.Run("hnt").AssertBadInput("did you mean 'hunt'");
    }

    public void Dispose() => _cli.Dispose();
}
