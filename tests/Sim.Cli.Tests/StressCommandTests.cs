using System.Diagnostics;
using System.Text.Json;

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

    [Fact]
    public void Stress_Failure_PrintsItsSeed_TheCommandThatRunsItAgain_AndTheOneThatExplores()
    {
        var result = _cli.Run("stress", "brc-nonowner-last-ref", "--variant", "never-queue", "--runs", "5", "--seed", "77");

        Assert.True(result.ExitCode == 1, result.Out + result.Error);
        Assert.Contains("Noise 0.05 per Runtime point; run k uses seed 77 + k - 1", result.Out, StringComparison.Ordinal);
        Assert.Contains("First failure: run 1 (seed 77)", result.Out, StringComparison.Ordinal);
        Assert.Contains("sim stress brc-nonowner-last-ref --variant never-queue --seed 77 --repeat-seed --noise 0.05 --runs 5", result.Out, StringComparison.Ordinal);
        Assert.Contains("For a replayable trace, explore the variant: sim explore brc-nonowner-last-ref --variant never-queue", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Stress_RepeatSeed_RunsEveryRunWithThatSeed()
    {
        var result = _cli.Run("stress", "pymutex-wakeup", "--runs", "3", "--seed", "5", "--repeat-seed");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("every run uses seed 5", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Stress_Json_WritesRunsFailuresByMessageRunsPerSecondAndSettings()
    {
        var result = _cli.Run("stress", "brc-nonowner-last-ref", "--variant", "never-queue", "--runs", "4", "--seed", "9", "--noise", "0.2", "--json");

        Assert.True(result.ExitCode == 1, result.Out + result.Error);
        using var json = JsonDocument.Parse(result.Out);
        var root = json.RootElement;
        Assert.Equal("sim-stress/1", root.GetProperty("format").GetString());
        Assert.Equal("never-queue", root.GetProperty("variant").GetString());
        Assert.Equal(4, root.GetProperty("runs").GetInt32());
        Assert.Equal(4, root.GetProperty("failures").GetInt32());
        Assert.False(root.GetProperty("clean").GetBoolean());
        Assert.True(root.GetProperty("runsPerSecond").GetDouble() > 0);
        var settings = root.GetProperty("settings");
        Assert.Equal(0.2, settings.GetProperty("noise").GetDouble());
        Assert.Equal(9u, settings.GetProperty("seed").GetUInt32());
        Assert.Equal(4, settings.GetProperty("runs").GetInt32());
        var finding = Assert.Single(root.GetProperty("findings").EnumerateArray());
        Assert.Equal(4, finding.GetProperty("runs").GetInt32());
        Assert.Equal(1, finding.GetProperty("firstRun").GetInt32());
        Assert.Equal(9u, finding.GetProperty("seed").GetUInt32());
        Assert.Contains("leak", finding.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("--seed 9 --repeat-seed", finding.GetProperty("rerunCommand").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Stress_Interrupted_PrintsTheRunsSoFar_AndExits130()
    {
        using var interrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        _cli.Interrupt = interrupt.Token;

        var result = _cli.Run("stress", "pymutex-wakeup", "--seconds", "600");

        Assert.True(result.ExitCode == 130, result.Out + result.Error);
        Assert.Contains("INTERRUPTED after", result.Out, StringComparison.Ordinal);
        Assert.Contains("Runs: ", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Stress_CtrlC_InTheRealProcess_PrintsTheSummaryAndExits130()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // SIGINT cannot be sent to another process there.
        }

        // A process started in the background by a non-interactive shell (`cmd &`, nohup) ignores SIGINT, and so does
        // every process it starts, sim included: .NET keeps an inherited SIG_IGN for SIGINT. Say so instead of timing out.
        Assert.False(
            SigIntIgnored(),
            "SIGINT is ignored in this test process (SigIgn in /proc/self/status), so sim would ignore it too: run the tests in the foreground, or from a shell with job control (set -m)");

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _cli.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "sim.dll"), "stress", "pymutex-wakeup", "--seconds", "600" })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("SIM_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        using var sim = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var started = new ManualResetEventSlim();
        sim.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.StartsWith("Noise", StringComparison.Ordinal) == true)
            {
                started.Set();
            }
        };
        sim.BeginOutputReadLine();
        Assert.True(started.Wait(TimeSpan.FromSeconds(60)), "sim stress did not start");
        Thread.Sleep(500);

        using (var kill = Process.Start("kill", ["-INT", sim.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        Assert.True(sim.WaitForExit(TimeSpan.FromSeconds(30)), "sim stress did not exit after SIGINT");
        sim.WaitForExit();
        var text = output.ToString();
        Assert.True(sim.ExitCode == 130, $"exit {sim.ExitCode}\n{text}\n{sim.StandardError.ReadToEnd()}");
        Assert.Contains("INTERRUPTED after", text, StringComparison.Ordinal);
        Assert.Contains("Runs: ", text, StringComparison.Ordinal);
    }

    private static bool SigIntIgnored() =>
        ProcStatus.Read("/proc/self/status", "SigIgn") is { } mask
        && (ulong.Parse(mask, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) & (1UL << (2 - 1))) != 0;

    [Theory]
    [InlineData("--runs", "0", "--runs \"0\" is not valid")]
    [InlineData("--seconds", "-2", "--seconds \"-2\" is not valid")]
    [InlineData("--max-hangs", "x", "--max-hangs \"x\" is not valid")]
    [InlineData("--noise", "1.5", "--noise \"1.5\" is not valid: it must be a number from 0 to 1")]
    [InlineData("--seed", "-1", "--seed \"-1\" is not valid")]
    public void Stress_InvalidSettings_ExitTwo(string flag, string value, string fragment) =>
        _cli.Run("stress", "pymutex-wakeup", flag, value).AssertBadInput(fragment);

    [Fact]
    public void Stress_RepeatSeedWithoutASeed_ExitsTwo() =>
        _cli.Run("stress", "pymutex-wakeup", "--repeat-seed").AssertBadInput("--repeat-seed needs a seed: give --seed N");

    [Fact]
    public void Stress_BothRunsAndSeconds_ExitsTwo() =>
        _cli.Run("stress", "pymutex-wakeup", "--runs", "5", "--seconds", "1").AssertBadInput("give --runs or --seconds, not both");

    public void Dispose() => _cli.Dispose();
}
