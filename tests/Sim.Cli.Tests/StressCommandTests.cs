namespace Sim.Cli.Tests;

public sealed class StressCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public void Stress_CleanVariant_ReportsRunsAndExitsZero()
    {
        var result = _cli.Run("stress", "pymutex-wakeup", "--runs", "20");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("Runs: 20   Failures: 0   Hangs: 0", result.Out, StringComparison.Ordinal);
        Assert.Contains("CLEAN: 20 runs without a failure", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Stress_RunsFromTheConfigFile_WhenNoFlagIsGiven()
    {
        var result = _cli.Run("stress", "once-flag-retry");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("Runs: 10 ", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Stress_SecondsFlag_ReplacesTheRunLimit()
    {
        var result = _cli.Run("stress", "pymutex-wakeup", "--seconds", "0.3");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("real threads: 0.30 s,", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--runs", "0", "--runs \"0\" is not valid")]
    [InlineData("--seconds", "-2", "--seconds \"-2\" is not valid")]
    [InlineData("--max-hangs", "x", "--max-hangs \"x\" is not valid")]
    public void Stress_InvalidLimits_ExitTwo(string flag, string value, string fragment) =>
        _cli.Run("stress", "pymutex-wakeup", flag, value).AssertBadInput(fragment);

    [Fact]
    public void Stress_BothRunsAndSeconds_ExitsTwo() =>
        _cli.Run("stress", "pymutex-wakeup", "--runs", "5", "--seconds", "1").AssertBadInput("give --runs or --seconds, not both");

    public void Dispose() => _cli.Dispose();
}
