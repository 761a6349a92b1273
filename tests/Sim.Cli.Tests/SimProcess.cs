using System.Diagnostics;
using Sim.Cli.Hunting;

namespace Sim.Cli.Tests;

/// <summary>
/// Runs the built <c>sim</c> in a process of its own, started as the hunt starts its workers
/// (<see cref="SelfProcess"/>): for what an in-process run cannot show (a fresh process's determinism, signals, a capped
/// GC heap, several hunts at once). Laid out as <see cref="CliHarness"/> lays out in-process runs (not a terminal, 200
/// columns, no <c>SIM_*</c> or <c>JOB_*</c> variables unless given), so that the two outputs compare.
/// </summary>
internal static class SimProcess
{
    /// <summary>Starts <c>sim ARGS</c> in <paramref name="workingDirectory"/> with <paramref name="environment"/> added.</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = SelfProcess.StartInfo(args);
        start.WorkingDirectory = workingDirectory;
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("SIM_", StringComparison.Ordinal) || k.StartsWith("JOB_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["CI"] = "1";
        start.Environment["COLUMNS"] = "200";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }

    /// <summary>Runs <c>sim ARGS</c> to its end (at most <paramref name="timeout"/>, default 5 minutes).</summary>
    public static CliResult Run(string workingDirectory, IReadOnlyDictionary<string, string>? environment, string[] args, TimeSpan? timeout = null)
    {
        using var process = Start(workingDirectory, environment, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"sim {string.Join(' ', args)} did not finish in time");
        }

        return new CliResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs <c>sim ARGS</c> to its end in <paramref name="workingDirectory"/>, with no variables added.</summary>
    public static CliResult Run(string workingDirectory, params string[] args) => Run(workingDirectory, null, args);

    /// <summary>Sends SIGTERM to <paramref name="process"/> (what CI and Kubernetes send to stop a job).</summary>
    public static void Terminate(Process process)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }
}
