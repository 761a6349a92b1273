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
        Assert.Contains($"Trace saved: {Path.Combine("out", "traces", Path.GetFileName(trace))}", result.Out, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(File.ReadAllText(trace));
        var root = json.RootElement;
        Assert.Equal("sim-trace/1", root.GetProperty("format").GetString());
        Assert.Equal("pymutex-wakeup", root.GetProperty("scenario").GetString());
        Assert.Equal("unlock-ignores-parked", root.GetProperty("variant").GetString());
        Assert.Equal("deadlock", root.GetProperty("finding").GetProperty("kind").GetString());
        Assert.StartsWith("Deadlock", root.GetProperty("finding").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(20261125u, root.GetProperty("options").GetProperty("seed").GetUInt32());
        Assert.NotEqual(JsonValueKind.Null, root.GetProperty("coyoteTrace").ValueKind);
        Assert.NotEmpty(root.GetProperty("steps").EnumerateArray());
        Assert.Empty(Directory.GetFiles(Path.Combine(_cli.OutputDirectory, "traces"), "*.tmp"));
    }

    [Fact]
    public void Explore_CleanVariant_ExitsZeroWithStatisticsAndNoTrace()
    {
        var result = _cli.Run("explore", "pymutex-wakeup", "--iterations", "20");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("CLEAN: no bug in 20 iterations", result.Out, StringComparison.Ordinal);
        Assert.Contains("Iterations: 20", result.Out, StringComparison.Ordinal);
        Assert.Contains("Iterations/s:", result.Out, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_cli.OutputDirectory, "traces")));
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
