using System.Diagnostics;

namespace Sim.Cli.Tests;

/// <summary>
/// Runs the built <c>sim</c> as a process of its own (<c>dotnet sim.dll ...</c>): for what an in-process run cannot show
/// (signals, a capped GC heap, several hunts at once). Not a terminal; no <c>SIM_*</c> variables unless given.
/// </summary>
internal static class SimProcess
{
    /// <summary>Starts <c>sim ARGS</c> in <paramref name="workingDirectory"/> with <paramref name="environment"/> added.</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SimDll());
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("SIM_", StringComparison.Ordinal) || k.StartsWith("JOB_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["CI"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return Process.Start(start)!;
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

    /// <summary>Sends SIGTERM to <paramref name="process"/> (what CI and Kubernetes send to stop a job).</summary>
    public static void Terminate(Process process)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>The <c>sim.dll</c> this test assembly was built with (copied beside it, with its runtime configuration).</summary>
    private static string SimDll()
    {
        var here = Path.Combine(AppContext.BaseDirectory, "sim.dll");
        Assert.True(File.Exists(here) && File.Exists(Path.Combine(AppContext.BaseDirectory, "sim.runtimeconfig.json")), $"sim.dll is not beside the tests in {AppContext.BaseDirectory}");
        return here;
    }
}
