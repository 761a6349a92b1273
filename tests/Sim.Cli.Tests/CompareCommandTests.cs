namespace Sim.Cli.Tests;

public sealed class CompareCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public void Compare_MeasuresEachStrategyAndStress_AsAMarkdownTable()
    {
        var result = _cli.Run("compare", "once-flag-retry", "--variant", "failure-marks-initialized", "--strategies", "random,pct", "--seeds", "1,2", "--stress-seconds", "0.2", "--markdown");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("| random | 2/2 |", result.Out, StringComparison.Ordinal);
        Assert.Contains("| prioritization | 2/2 |", result.Out, StringComparison.Ordinal);
        Assert.Contains("| stress (real threads) |", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_DefaultsToTheFirstVariantThatExpectsABug()
    {
        var result = _cli.Run("compare", "seqlock-torn-read", "--strategies", "random", "--seeds", "5", "--stress-seconds", "0.2");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("seqlock-torn-read/reader-skips-end-read", result.Out, StringComparison.Ordinal);
        Assert.Contains("found 1/1", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--strategies", "nope", "--strategies: \"nope\" is not a strategy")]
    [InlineData("--seeds", "1,x", "--seeds: \"x\" is not a whole number")]
    [InlineData("--stress-seconds", "0", "--stress-seconds: \"0\" is not a number of seconds")]
    public void Compare_InvalidLists_ExitTwo(string flag, string value, string fragment) =>
        _cli.Run("compare", "pymutex-wakeup", flag, value).AssertBadInput(fragment);

    public void Dispose() => _cli.Dispose();
}
