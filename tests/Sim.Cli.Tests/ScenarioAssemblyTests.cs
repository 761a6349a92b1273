using System.Text.Json.Nodes;

namespace Sim.Cli.Tests;

/// <summary>
/// Scenarios from outside the tool: <c>--assembly</c> and <c>--project</c> on the commands, traces that name their
/// assembly, and a one-line error (exit 2) for every way the path can be wrong.
/// </summary>
public sealed class ScenarioAssemblyTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public void Assembly_ThatDoesNotExist_IsBadInput() =>
        _cli.Run("list", "--assembly", "nope.dll").AssertBadInput("--assembly nope.dll: no such file");

    [Fact]
    public void Assembly_ThatIsAFolder_IsBadInput() =>
        _cli.Run("hunt", "--assembly", ".").AssertBadInput("is a folder; give the assembly file (.dll)");

    [Fact]
    public void Assembly_ThatIsNotDotNet_IsBadInput()
    {
        File.WriteAllText(_cli.PathOf("text.dll"), "not an assembly");

        _cli.Run("explore", "x", "--assembly", "text.dll").AssertBadInput("text.dll is not a .NET assembly");
    }

    [Fact]
    public void Assembly_ThatDoesNotReferenceSim_HasNoScenarios() =>
        _cli.Run("list", "--assembly", typeof(Spectre.Console.AnsiConsole).Assembly.Location)
            .AssertBadInput("has no scenarios: it does not reference Sim.Scenarios");

    [Fact]
    public void Assembly_WithoutScenarioClasses_HasNoScenarios() =>
        _cli.Run("list", "--assembly", typeof(SimCli).Assembly.Location)
            .AssertBadInput("has no scenarios: mark a class derived from Scenario<TDesign>");

    [Fact]
    public void Assembly_WithScenarios_ReplacesTheBuiltInCorpus()
    {
        // This test assembly holds one scenario of its own (misbehaving, for the tests of scenario errors).
        var assembly = typeof(ScenarioAssemblyTests).Assembly.Location;

        var list = _cli.Run("list", "--assembly", assembly);

        Assert.True(list.ExitCode == 0, list.Error);
        Assert.Contains("misbehaving", list.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("pymutex-wakeup", list.Out, StringComparison.Ordinal);
        Assert.Contains($"sim hunt --assembly {assembly}", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Project_ThatFailsToBuild_IsBadInput()
    {
        var project = WriteProject("Broken", ("Broken.cs", "this is not C#"));

        var line = _cli.Run("list", "--project", project).AssertBadInput("the build failed");

        Assert.Contains("run 'dotnet build", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Project_OutsideTheTool_IsListedHuntedAndItsTraceReplaysWithoutFlags()
    {
        var template = Path.Combine(CliHarness.RepositoryRoot(), "templates", "content", "sim-scenario", "CounterUnderMutex.cs");
        var project = WriteProject("Outside", ("CounterUnderMutex.cs", File.ReadAllText(template)));

        var list = _cli.Run("list", "--project", project);
        Assert.True(list.ExitCode == 0, list.Error);
        Assert.Contains("counter-under-mutex", list.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("pymutex-wakeup", list.Out, StringComparison.Ordinal);
        Assert.Contains("1 scenarios, 2 variants", list.Out, StringComparison.Ordinal);

        var hunt = _cli.Run("hunt", "--project", project);
        Assert.True(hunt.ExitCode == 0, hunt.Out + hunt.Error);
        Assert.Contains("2 variants: 2 met", hunt.Out, StringComparison.Ordinal);

        var trace = Directory.GetFiles(Path.Combine(_cli.OutputDirectory, "traces"), "counter-under-mutex.no-lock.*.json").Single();
        var recorded = JsonNode.Parse(File.ReadAllText(trace))!["assembly"]!;
        Assert.Equal("Outside", recorded["name"]!.GetValue<string>());
        var assembly = recorded["path"]!.GetValue<string>();
        Assert.True(File.Exists(assembly), assembly);

        var replay = _cli.Run("replay", trace);
        Assert.True(replay.ExitCode == 0, replay.Out + replay.Error);
        Assert.Contains("REPRODUCED", replay.Out, StringComparison.Ordinal);

        var explore = _cli.Run("explore", "counter-under-mutex", "--variant", "no-lock", "--assembly", assembly);
        Assert.Equal(1, explore.ExitCode);

        // A trace whose assembly has moved: the replay says where it looked and how to give it.
        var moved = JsonNode.Parse(File.ReadAllText(trace))!;
        moved["assembly"]!["path"] = Path.Combine(_cli.Directory, "gone", "Outside.dll");
        File.WriteAllText(_cli.PathOf("moved.json"), moved.ToJsonString());
        _cli.Run("replay", "moved.json").AssertBadInput("which is not there now; give --assembly PATH");
        Assert.Equal(0, _cli.Run("replay", "moved.json", "--assembly", assembly).ExitCode);
    }

    public void Dispose() => _cli.Dispose();

    /// <summary>A project in the scratch folder that references the repository's Sim.Scenarios, with <paramref name="files"/>.</summary>
    private string WriteProject(string name, params (string Name, string Text)[] files)
    {
        var folder = Path.Combine(_cli.Directory, name);
        Directory.CreateDirectory(folder);
        var scenarios = Path.Combine(CliHarness.RepositoryRoot(), "Scenarios", "Sim.Scenarios.csproj");
        File.WriteAllText(Path.Combine(folder, $"{name}.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{scenarios}" />
              </ItemGroup>
            </Project>
            """);
        foreach (var (file, text) in files)
        {
            File.WriteAllText(Path.Combine(folder, file), text);
        }

        return Path.Combine(folder, $"{name}.csproj");
    }
}
