using System.Diagnostics;

namespace Sim.Cli.Tests;

/// <summary>
/// Runs the built <c>sim</c> in a process of its own (<c>dotnet sim.dll ...</c>), laid out as <see cref="CliHarness"/>
/// lays out in-process runs (not a terminal, 200 columns, no <c>SIM_*</c> variables), so that the two outputs compare.
/// </summary>
internal static class FreshProcess
{
    public static CliResult Run(string workingDirectory, params string[] args)
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

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("SIM_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["CI"] = "1";
        start.Environment["COLUMNS"] = "200";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"sim {string.Join(' ', args)} did not finish in 2 minutes");
        }

        return new CliResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>The <c>sim.dll</c> this test assembly was built with (the Cli project's output, same configuration).</summary>
    private static string SimDll()
    {
        var here = Path.Combine(AppContext.BaseDirectory, "sim.dll");
        if (File.Exists(here) && File.Exists(Path.Combine(AppContext.BaseDirectory, "sim.runtimeconfig.json")))
        {
            return here;
        }

        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Parent!.Name;
        var built = Path.Combine(CliHarness.RepositoryRoot(), "Cli", "bin", configuration, "net10.0", "sim.dll");
        Assert.True(File.Exists(built), $"sim.dll is not at {built}: build the Cli project");
        return built;
    }
}
