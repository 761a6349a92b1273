using System.Text.Json.Nodes;

namespace Sim.Cli.Tests;

public sealed class ReplayCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public void Replay_OfAnExploredTrace_ReproducesTheFailureStepByStep()
    {
        var trace = RecordTrace();

        var result = _cli.Run("replay", trace);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("REPRODUCED: deadlock, the same", result.Out, StringComparison.Ordinal);
        Assert.Contains("Steps: all", result.Out, StringComparison.Ordinal);
        Assert.Contains("│T1 main", result.Out, StringComparison.Ordinal);
        Assert.Contains("Legend:", result.Out, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Error);
    }

    [Fact]
    public void Replay_WithTheTracesOwnScenarioAndVariant_Reproduces()
    {
        var trace = RecordTrace();

        var result = _cli.Run("replay", trace, "--scenario", "pymutex-wakeup", "--variant", "unlock-ignores-parked", "--steps", "3");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Steps: the last 3 of", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_WithAnotherScenarioOrVariant_ExitsTwo()
    {
        var trace = RecordTrace();

        _cli.Run("replay", trace, "--scenario", "seqlock-torn-read").AssertBadInput("is a trace of scenario 'pymutex-wakeup', not 'seqlock-torn-read'");
        _cli.Run("replay", trace, "--variant", "cpython-3.13").AssertBadInput("is a trace of variant 'unlock-ignores-parked'");
    }

    [Theory]
    [InlineData("once-flag-retry", "failure-forgets-waiters", "does not replay against once-flag-retry/failure-forgets-waiters")]
    [InlineData("pymutex-wakeup", "cpython-3.13", "does not replay against pymutex-wakeup/cpython-3.13")]
    [InlineData("no-such-scenario", "x", "names an unknown scenario 'no-such-scenario'")]
    [InlineData("pymutex-wakeup", "no-such-variant", "has no variant 'no-such-variant'")]
    public void Replay_OfATraceEditedToNameAnotherScenarioOrVariant_ExitsTwo(string scenario, string variant, string fragment)
    {
        var trace = JsonNode.Parse(File.ReadAllText(RecordTrace()))!;
        trace["scenario"] = scenario;
        trace["variant"] = variant;
        var edited = _cli.PathOf("edited.json");
        File.WriteAllText(edited, trace.ToJsonString());

        _cli.Run("replay", edited).AssertBadInput(fragment);
    }

    [Theory]
    [InlineData("truncated", "is not a valid sim trace")]
    [InlineData("garbage", "is not a valid sim trace")]
    [InlineData("other-json", "is not a sim trace")]
    [InlineData("future-format", "is in format 'sim-trace/99'")]
    [InlineData("no-coyote-trace", "is not a valid sim trace: it has no \"coyoteTrace\"")]
    [InlineData("no-finding-kind", "is not a valid sim trace: it has no \"finding.kind\"")]
    [InlineData("wrong-kind-of-value", "is not a valid sim trace: its \"finding.iteration\" is not of the right kind (line 1)")]
    [InlineData("invalid-option", "has invalid options (\"maxSteps\" is 5, but it must be a whole number from 10")]
    [InlineData("unknown-strategy", "has invalid options (\"strategy\" is \"fastest\", but it must be one of portfolio")]
    [InlineData("broken-coyote-trace", "cannot be replayed")]
    [InlineData("missing", "no such trace file")]
    public void Replay_OfACorruptedTrace_ExitsTwoWithOneLine(string corruption, string fragment)
    {
        var text = File.ReadAllText(RecordTrace());
        var node = JsonNode.Parse(text)!;
        var path = _cli.PathOf("corrupt.json");
        switch (corruption)
        {
            case "truncated":
                File.WriteAllText(path, text[..(text.Length / 2)]);
                break;
            case "garbage":
                File.WriteAllText(path, "this is not json");
                break;
            case "other-json":
                File.WriteAllText(path, """{ "iterations": 3 }""");
                break;
            case "future-format":
                node["format"] = "sim-trace/99";
                File.WriteAllText(path, node.ToJsonString());
                break;
            case "no-coyote-trace":
                node.AsObject().Remove("coyoteTrace");
                File.WriteAllText(path, node.ToJsonString());
                break;
            case "no-finding-kind":
                node["finding"]!.AsObject().Remove("kind");
                File.WriteAllText(path, node.ToJsonString());
                break;
            case "wrong-kind-of-value":
                node["finding"]!["iteration"] = "first";
                File.WriteAllText(path, node.ToJsonString());
                break;
            case "invalid-option":
                node["options"]!["maxSteps"] = 5;
                File.WriteAllText(path, node.ToJsonString());
                break;
            case "unknown-strategy":
                node["options"]!["strategy"] = "fastest";
                File.WriteAllText(path, node.ToJsonString());
                break;
            case "broken-coyote-trace":
                node["coyoteTrace"] = "not a coyote trace";
                File.WriteAllText(path, node.ToJsonString());
                break;
            default:
                path = _cli.PathOf("missing.json");
                break;
        }

        _cli.Run("replay", path).AssertBadInput(fragment);
    }

    [Fact]
    public void Replay_WhoseRecordedMessageDiffers_ExitsOneShowingBoth()
    {
        var trace = JsonNode.Parse(File.ReadAllText(RecordTrace()))!;
        trace["finding"]!["message"] = "Deadlock: something else";
        var edited = _cli.PathOf("edited.json");
        File.WriteAllText(edited, trace.ToJsonString());

        var result = _cli.Run("replay", edited);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("NOT REPRODUCED", result.Out, StringComparison.Ordinal);
        Assert.Contains("recorded: Deadlock: something else", result.Out, StringComparison.Ordinal);
    }

    private string RecordTrace()
    {
        var explored = _cli.Run("explore", "pymutex-wakeup", "--variant", "unlock-ignores-parked");
        Assert.True(explored.ExitCode == 1, explored.Out + explored.Error);
        return Directory.GetFiles(Path.Combine(_cli.OutputDirectory, "traces"), "*.json").Single();
    }

    public void Dispose() => _cli.Dispose();
}
