using System.Text.Json.Nodes;
using Sim.Cli.Traces;

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
        Assert.Matches(@"Schedule: [0-9]+ steps, [0-9]+ preemptions? \(shrunk from [0-9]+ steps, [0-9]+ preemptions in [0-9]+ candidate schedules\)", result.Out);
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
    [InlineData("once-flag-retry", "failure-forgets-waiters", "was recorded against another design of once-flag-retry/failure-forgets-waiters")]
    [InlineData("pymutex-wakeup", "cpython-3.13", "was recorded against another design of pymutex-wakeup/cpython-3.13")]
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
    [InlineData("garbage", "is not a sim trace (it is not a JSON object)")]
    [InlineData("json-array", "is not a sim trace (it is not a JSON object)")]
    [InlineData("json-null", "is not a sim trace (it is not a JSON object)")]
    [InlineData("empty-file", "is not a valid sim trace: it is not well-formed JSON")]
    [InlineData("not-utf8", "is not a sim trace (it is not UTF-8 text)")]
    [InlineData("other-json", "is not a sim trace")]
    [InlineData("future-format", "is in format 'sim-trace/99'")]
    [InlineData("no-schedule", "is not a valid sim trace: it has no \"schedule\"")]
    [InlineData("no-finding-kind", "is not a valid sim trace: it has no \"finding.kind\"")]
    [InlineData("wrong-kind-of-value", "is not a valid sim trace: its \"finding.iteration\" is not of the right kind (line 1)")]
    [InlineData("invalid-setting", "has invalid settings (\"maxSteps\" is 5, but it must be a whole number from 10")]
    [InlineData("unknown-strategy", "has invalid settings (\"strategy\" is \"fastest\", but it must be one of portfolio")]
    [InlineData("emptied-schedule", "its schedule holds 0 steps and 0 preemptions, but says")]
    [InlineData("schedule-cut-short", "it was cut short or edited")]
    [InlineData("schedule-edited", "it was cut short or edited")]
    [InlineData("entry-edited", "its schedule does not match its digest: it was edited")]
    [InlineData("entry-garbled", "its schedule entry 3 (\"T2 went somewhere\") is not a step or a choice")]
    [InlineData("empty-schedule-no-digest", "does not replay against pymutex-wakeup/unlock-ignores-parked: the schedule diverges: at step 1 the program goes on, but the record ends after 0 steps")]
    [InlineData("step-edited-no-digest", "the schedule diverges: at step ")]
    [InlineData("another-design", "was recorded against another design of pymutex-wakeup/unlock-ignores-parked")]
    [InlineData("sim-trace-1", "is a sim-trace/1 trace, which holds Coyote's schedule, not Sim's own; this sim replays sim-trace/3: record it again with 'sim explore pymutex-wakeup --variant unlock-ignores-parked'")]
    [InlineData("sim-trace-2", "is a sim-trace/2 trace, recorded before a thread's start and the process's exit were scheduling points and plain accesses stopped being ones; this sim replays sim-trace/3: record it again with 'sim explore pymutex-wakeup --variant unlock-ignores-parked'")]
    [InlineData("missing", "no such trace file")]
    public void Replay_OfACorruptedTrace_ExitsTwoWithOneLine(string corruption, string fragment)
    {
        var text = File.ReadAllText(RecordTrace());
        var node = JsonNode.Parse(text)!;
        var schedule = node["schedule"]!.AsObject();
        var entries = schedule["entries"]!.AsArray();
        var path = _cli.PathOf("corrupt.json");
        switch (corruption)
        {
            case "truncated":
                File.WriteAllText(path, text[..(text.Length / 2)]);
                break;
            case "garbage":
                File.WriteAllText(path, "this is not json");
                break;
            case "json-array":
                File.WriteAllText(path, "[1, 2]");
                break;
            case "json-null":
                File.WriteAllText(path, "null");
                break;
            case "empty-file":
                File.WriteAllText(path, string.Empty);
                break;
            case "not-utf8":
                File.WriteAllBytes(path, [(byte)'{', 0xff, 0xfe, (byte)'}']);
                break;
            case "other-json":
                File.WriteAllText(path, """{ "iterations": 3 }""");
                break;
            case "future-format":
                node["format"] = "sim-trace/99";
                break;
            case "no-schedule":
                node.AsObject().Remove("schedule");
                break;
            case "no-finding-kind":
                node["finding"]!.AsObject().Remove("kind");
                break;
            case "wrong-kind-of-value":
                node["finding"]!["iteration"] = "first";
                break;
            case "invalid-setting":
                node["settings"]!["maxSteps"] = 5;
                break;
            case "unknown-strategy":
                node["settings"]!["strategy"] = "fastest";
                break;
            case "emptied-schedule":
                entries.Clear();
                break;
            case "schedule-cut-short":
                entries.RemoveAt(entries.Count - 1);
                break;
            case "schedule-edited":
                entries[Choosable(entries)] = Rechosen(entries, Choosable(entries));
                break;
            case "entry-edited":
                entries[Choosable(entries)] = entries[Choosable(entries)]!.GetValue<string>() + " (edited)";
                break;
            case "entry-garbled":
                entries[2] = "T2 went somewhere";
                break;
            case "empty-schedule-no-digest":
                entries.Clear();
                schedule["steps"] = 0;
                schedule["preemptions"] = 0;
                schedule.Remove("digest");
                break;
            case "step-edited-no-digest":
                entries[Choosable(entries)] = Rechosen(entries, Choosable(entries));
                schedule.Remove("digest");
                break;
            case "another-design":
                node["design"] = "LockDesign { MutexUnlock = Something }";
                break;
            case "sim-trace-1":
                File.WriteAllText(path, """{ "format": "sim-trace/1", "scenario": "pymutex-wakeup", "variant": "unlock-ignores-parked", "coyoteTrace": {} }""");
                break;
            case "sim-trace-2":
                node["format"] = "sim-trace/2";
                break;
            default:
                path = _cli.PathOf("missing.json");
                break;
        }

        if (!File.Exists(path) && corruption != "missing")
        {
            File.WriteAllText(path, node.ToJsonString());
        }

        _cli.Run("replay", path).AssertBadInput(fragment);
    }

    [Fact]
    public void Replay_OfRandomBytes_FailsAtOnce_WithoutReadingThemAll()
    {
        var path = _cli.PathOf("random.bin");
        var bytes = new byte[4 << 20];
        new Random(5).NextBytes(bytes);
        bytes[0] = 0x80;
        File.WriteAllBytes(path, bytes);

        _cli.Run("replay", path).AssertBadInput("is not a sim trace (it is not a JSON object)");
        if (File.Exists("/dev/urandom"))
        {
            _cli.Run("replay", "/dev/urandom").AssertBadInput("is not a sim trace");
        }
    }

    [Fact]
    public void Replay_OfAFileLargerThanAnyTrace_IsRefused()
    {
        var path = _cli.PathOf("huge.json");
        using (var file = File.Create(path))
        {
            file.WriteByte((byte)'{');
            file.SetLength(TraceStore.MaxBytes + 2);
        }

        _cli.Run("replay", path).AssertBadInput("is larger than 64 MiB, which no sim trace is");
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

    /// <summary>The index of the first schedule entry with more than one runnable thread.</summary>
    private static int Choosable(JsonArray entries) =>
        entries.Select((e, i) => (Text: e!.GetValue<string>(), i)).First(e => e.Text.Split(": ")[0].Contains(',', StringComparison.Ordinal)).i;

    /// <summary>Entry <paramref name="i"/> with another of its runnable threads as the one that ran.</summary>
    private static string Rechosen(JsonArray entries, int i)
    {
        var text = entries[i]!.GetValue<string>();
        var ran = text[..text.IndexOf(' ', StringComparison.Ordinal)];
        var runnable = text.Split(" of ")[1].Split(": ")[0].Split(',');
        return runnable.First(t => t != ran) + text[ran.Length..];
    }

    [Fact]
    public void ATrace_RecordsPlainAccessPoints_AndItsReplayFollowsIt_WhateverTheConfigSays()
    {
        var trace = RecordTrace("--plain-access-points");
        Assert.True(JsonNode.Parse(File.ReadAllText(trace))!["settings"]!["plainAccessPoints"]!.GetValue<bool>());

        var result = _cli.Run("replay", trace);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("REPRODUCED: deadlock, the same", result.Out, StringComparison.Ordinal);
    }

    private string RecordTrace(params string[] flags)
    {
        var explored = _cli.Run(["explore", "pymutex-wakeup", "--variant", "unlock-ignores-parked", .. flags]);
        Assert.True(explored.ExitCode == 1, explored.Out + explored.Error);
        return Directory.GetFiles(Path.Combine(_cli.OutputDirectory, "traces"), "*.json").Single();
    }

    public void Dispose() => _cli.Dispose();
}
