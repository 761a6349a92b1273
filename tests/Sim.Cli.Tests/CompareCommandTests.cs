namespace Sim.Cli.Tests;

public sealed class CompareCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public void Compare_MeasuresEachStrategyAndStress_AsAMarkdownTable()
    {
        var result = _cli.Run("compare", "once-flag-retry", "--variant", "failure-marks-initialized", "--strategies", "random,pct", "--seeds", "1,2", "--stress-seconds", "0.2", "--markdown");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("| variant | random | prioritization | stress, same wall time |", result.Out, StringComparison.Ordinal);
        Assert.Matches(@"\| `once-flag-retry/failure-marks-initialized` \| 2/2 · [0-9,.]+ \([0-9,]+–[0-9,]+\) · [0-9.]+ s \(max [0-9.]+ s\) \| 2/2 · ", result.Out);
    }

    [Fact]
    public void Compare_DefaultsToTheFirstVariantThatExpectsABug()
    {
        var result = _cli.Run("compare", "seqlock-torn-read", "--strategies", "random", "--seeds", "5", "--stress-seconds", "0.2");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("seqlock-torn-read/reader-skips-end-read", result.Out, StringComparison.Ordinal);
        Assert.Matches(@"random +1/1 · ", result.Out);
    }

    [Fact]
    public void Compare_WithoutAScenario_MeasuresEveryVariantThatExpectsABug()
    {
        var result = _cli.Run("compare", "--strategies", "random", "--seeds", "1", "--stress-seconds", "0.1", "--iterations", "50");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("pymutex-wakeup/unlock-ignores-parked", result.Out, StringComparison.Ordinal);
        Assert.Contains("seqlock-torn-read/reader-skips-end-read", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("pymutex-wakeup/cpython-3.13", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_AVariantWithoutAScenario_ExitsTwo() =>
        _cli.Run("compare", "--variant", "cpython-3.13").AssertBadInput("--variant needs a scenario");

    [Theory]
    [InlineData("--strategies", "nope", "--strategies: \"nope\" is not a strategy")]
    [InlineData("--seeds", "1,x", "--seeds: \"x\" is not a whole number")]
    [InlineData("--stress-seconds", "0", "--stress-seconds: \"0\" is not a number of seconds")]
    public void Compare_InvalidLists_ExitTwo(string flag, string value, string fragment) =>
        _cli.Run("compare", "pymutex-wakeup", flag, value).AssertBadInput(fragment);

    public void Dispose() => _cli.Dispose();
}
