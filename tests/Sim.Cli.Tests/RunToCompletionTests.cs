using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Sim.Cli.Tests;

/// <summary>
/// <c>runToCompletion</c>: every iteration runs after the first bug, and the output counts the failing iterations and
/// groups them into distinct findings, while the bug reported and traced stays the first one.
/// </summary>
public sealed partial class RunToCompletionTests : IDisposable
{
    // A variant where some schedules deadlock and others do not, in more than one way (its parked worker differs).
    private static readonly string[] s_variant = ["explore", "pymutex-wakeup", "--variant", "unlock-ignores-parked", "--iterations", "1000", "--seed", "7", "--steps", "1"];

    private readonly CliHarness _cli = new();

    [Fact]
    public void Explore_RunToCompletion_CountsEveryFailingIterationAndTheDistinctFindings()
    {
        var first = _cli.Run(s_variant);
        var complete = _cli.Run([.. s_variant, "--run-to-completion"]);

        Assert.Equal(1, first.ExitCode);
        Assert.Equal(1, complete.ExitCode);
        Assert.Equal(BugLine().Match(first.Out).Value, BugLine().Match(complete.Out).Value);
        Assert.DoesNotContain("Failed:", first.Out, StringComparison.Ordinal);
        Assert.Contains("Iterations: 1,000 ", complete.Out, StringComparison.Ordinal);

        var failed = FailedLine().Match(complete.Out);
        Assert.True(failed.Success, complete.Out);
        var count = int.Parse(failed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(count, 2, 999);
        var groups = GroupLine().Matches(complete.Out).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(groups.Count >= 2, complete.Out);
        Assert.Equal(count, groups.Sum());
        Assert.Contains($"{groups.Count} distinct findings", complete.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--run-to-completion", "pymutex-wakeup")]
    [InlineData("--run-to-completion", "true", "pymutex-wakeup")]
    [InlineData("--run-to-completion", "FALSE", "pymutex-wakeup")]
    [InlineData("pymutex-wakeup", "--run-to-completion")]
    public void Explore_RunToCompletionBeforeTheScenario_LeavesTheScenarioToTheCommand(params string[] words)
    {
        var result = _cli.Run(["explore", .. words, "--variant", "cpython-3.13", "--iterations", "5", "--seed", "7"]);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("pymutex-wakeup/cpython-3.13", result.Out, StringComparison.Ordinal);
        Assert.Equal(!words.Contains("FALSE"), result.Out.Contains("run to completion", StringComparison.Ordinal));
    }

    [Fact]
    public void Explore_RunToCompletionWithAnotherWord_TakesItAsTheScenario() =>
        _cli.Run("explore", "--run-to-completion", "maybe").AssertBadInput("unknown scenario 'maybe'");

    [Fact]
    public void Hunt_RunToCompletion_ReportsTheTallyPerVariantAndRecordsTheSetting()
    {
        _cli.Environment["SIM_RUN_TO_COMPLETION"] = "true";

        var result = _cli.Run("hunt", "--scenario", "pymutex-wakeup", "--iterations", "1000", "--seed", "7");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(_cli.OutputDirectory, "hunt.json")))!;
        Assert.True(report["settings"]!["runToCompletion"]!.GetValue<bool>());
        var results = report["results"]!.AsArray().ToDictionary(r => r!["variant"]!.GetValue<string>(), r => r!);
        var clean = results["cpython-3.13"]["completion"]!;
        Assert.Equal(1000, clean["iterations"]!.GetValue<int>());
        Assert.Equal(0, clean["failedIterations"]!.GetValue<int>());
        var broken = results["unlock-ignores-parked"]["completion"]!;
        var findings = broken["findings"]!.AsArray();
        Assert.True(findings.Count >= 2);
        Assert.All(findings, f => Assert.Equal("deadlock", f!["kind"]!.GetValue<string>()));
        Assert.Equal(broken["failedIterations"]!.GetValue<int>(), findings.Sum(f => f!["iterations"]!.GetValue<int>()));

        // The variant's reported bug is the first failing iteration's.
        Assert.Equal(results["unlock-ignores-parked"]["iterations"]!.GetValue<int>(), findings.Min(f => f!["firstIteration"]!.GetValue<int>()));
    }

    [Fact]
    public void RunToCompletion_NotTrueOrFalse_IsBadInput()
    {
        _cli.Environment["SIM_RUN_TO_COMPLETION"] = "yes";

        _cli.Run("config").AssertBadInput("SIM_RUN_TO_COMPLETION");
    }

    public void Dispose() => _cli.Dispose();

    [GeneratedRegex(@"BUG FOUND \(\w+\) in iteration [0-9,]+")]
    private static partial Regex BugLine();

    [GeneratedRegex(@"Failed: +([0-9,]+) of 1,000 iterations")]
    private static partial Regex FailedLine();

    [GeneratedRegex(@"^ +([0-9,]+) x deadlock \(first in iteration", RegexOptions.Multiline)]
    private static partial Regex GroupLine();
}
