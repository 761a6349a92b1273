using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Sim.Packaging.Tests;

/// <summary>
/// The path of a new user, offline but for the machine's NuGet registry: <c>dotnet pack</c> the repository's packages
/// (from the builds this test project's references made) into a temporary folder, install the <c>sim</c> tool into a temporary tool path and the template into a temporary
/// template hive, create a scenario project from the template outside the repository, and hunt it with the installed
/// tool. Nothing lands in the user's global package cache, tool folder or template hive: packages restore into a
/// temporary <c>NUGET_PACKAGES</c>. One test, since every step needs the one before (about two minutes on two cores).
/// </summary>
public sealed class PackagedToolTests : IDisposable
{
    private static readonly TimeSpan s_stepLimit = TimeSpan.FromMinutes(8);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sim-packaging-tests", Guid.NewGuid().ToString("N"));

    public PackagedToolTests() => Directory.CreateDirectory(_root);

    [Fact]
    public void TemplateProject_HuntedByTheInstalledTool_MeetsBothExpectations()
    {
        var artifacts = Path.Combine(_root, "artifacts");
        var tools = Path.Combine(_root, "tools");
        var hive = Path.Combine(_root, "hive");
        var work = Path.Combine(_root, "work");
        Directory.CreateDirectory(work);

        // Packs the builds of this test's configuration (its project references build them), with the machine's package
        // cache, as any build of the repository uses (its lock files pin it).
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        Run(RepositoryRoot(), "dotnet", ["pack", Path.Combine(RepositoryRoot(), "Sim.Packages.slnf"), "-c", configuration, "--no-build", "--no-restore", "-o", artifacts], expectedExit: 0, ownCache: false);
        foreach (var id in new[] { "Sim.Runtime", "Sim.Model", "Sim.Scenarios", "Sim.Cli", "Sim.Templates" })
        {
            Assert.Single(Directory.GetFiles(artifacts, $"{id}.*.nupkg"));
        }

        Run(_root, "dotnet", "tool", "install", "--tool-path", tools, "--add-source", artifacts, "Sim.Cli");
        Run(_root, "dotnet", "new", "install", Directory.GetFiles(artifacts, "Sim.Templates.*.nupkg").Single(), "--debug:custom-hive", hive);
        Run(work, "dotnet", "new", "sim-scenario", "-n", "MyScenarios", "--debug:custom-hive", hive);
        File.WriteAllText(Path.Combine(work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="sim-artifacts" value="{artifacts}" />
              </packageSources>
            </configuration>
            """);

        var sim = Path.Combine(tools, "sim");
        var hunt = Run(work, sim, ["hunt", "--project", Path.Combine("MyScenarios", "MyScenarios.csproj"), "--seed", "1", "--output", "out"], expectedExit: 0);

        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(work, "out", "hunt.json")));
        var results = report.RootElement.GetProperty("results").EnumerateArray()
            .ToDictionary(r => r.GetProperty("variant").GetString()!, r => (Outcome: r.GetProperty("outcome").GetString(), Verdict: r.GetProperty("verdict").GetString()));
        Assert.True(report.RootElement.GetProperty("passed").GetBoolean(), hunt);
        Assert.Equal(("clean", "met"), results["cpython-3.13"]);
        Assert.Equal(("bugFound", "met"), results["no-lock"]);

        // The trace names the project's assembly, so the installed tool replays it without being told where it is.
        var trace = Directory.GetFiles(Path.Combine(work, "out", "traces"), "counter-under-mutex.no-lock.*.json").Single();
        var replay = Run(work, sim, ["replay", trace], expectedExit: 0);
        Assert.Contains("REPRODUCED", replay, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string RepositoryRoot([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", ".."));

    private string Run(string directory, string file, params string[] arguments) => Run(directory, file, arguments, expectedExit: 0);

    /// <summary>Runs a command (with the test's own NuGet cache unless <paramref name="ownCache"/> is false) and no variables of the test host's MSBuild; returns its output.</summary>
    private string Run(string directory, string file, string[] arguments, int expectedExit, bool ownCache = true)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("SIM_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        if (ownCache)
        {
            start.Environment["NUGET_PACKAGES"] = Path.Combine(_root, "nuget");
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["CI"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_stepLimit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', arguments)} did not finish in {s_stepLimit.TotalMinutes} minutes");
        }

        var all = output.Result + error.Result;
        Assert.True(process.ExitCode == expectedExit, $"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited {process.ExitCode}, expected {expectedExit}:\n{all}");
        return all;
    }
}
