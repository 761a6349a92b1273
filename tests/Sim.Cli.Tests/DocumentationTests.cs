using Sim.Cli.Configuration;

namespace Sim.Cli.Tests;

/// <summary>The repository's Coyote.config and README document every setting the tool reads, and the file is valid.</summary>
public sealed class DocumentationTests
{
    private static readonly string s_root = CliHarness.RepositoryRoot();

    [Fact]
    public void RepositoryConfig_IsValidAndSetsEveryFieldWithAFixedSeed()
    {
        using var cli = new CliHarness(config: null);
        var path = Path.Combine(s_root, "Coyote.config");

        var result = cli.Run("config", "--json", "--config", path);

        Assert.True(result.ExitCode == 0, result.Error);
        var text = File.ReadAllText(path);
        foreach (var field in SettingFields.All)
        {
            Assert.Contains($"\"{field.Key.Split('.')[^1]}\":", text, StringComparison.Ordinal);
            Assert.Contains(field.EnvironmentVariable, text, StringComparison.Ordinal);
        }

        Assert.Matches("\"seed\": [0-9]+,", text);
    }

    [Fact]
    public void Readme_DocumentsEverySettingAndEveryCommand()
    {
        var readme = File.ReadAllText(Path.Combine(s_root, "README.md"));
        var config = Section(readme, "config-reference");
        foreach (var field in SettingFields.All)
        {
            Assert.Contains($"`{field.Key}`", config, StringComparison.Ordinal);
            Assert.Contains($"`{field.EnvironmentVariable}`", config, StringComparison.Ordinal);
        }

        var cli = Section(readme, "cli-reference");
        foreach (var command in new[] { "list", "explore", "replay", "hunt", "stress", "compare", "config", "merge" })
        {
            Assert.Contains($"sim {command}", cli, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Readme_LibraryExample_IsTheCompiledOne()
    {
        var readme = File.ReadAllText(Path.Combine(s_root, "README.md")).ReplaceLineEndings("\n");
        var block = "```csharp\n" + string.Join("\n", ReadmeExampleTests.Lines()) + "\n```";

        Assert.Contains(block, readme, StringComparison.Ordinal);
    }

    [Fact]
    public void Readme_TemplateScenario_IsTheTemplatesFile()
    {
        var readme = File.ReadAllText(Path.Combine(s_root, "README.md")).ReplaceLineEndings("\n");
        var scenario = File.ReadAllText(Path.Combine(s_root, "templates", "content", "sim-scenario", "CounterUnderMutex.cs")).ReplaceLineEndings("\n");
        var run = scenario[scenario.IndexOf("    protected override void Run", StringComparison.Ordinal)..scenario.LastIndexOf('}')].TrimEnd();

        Assert.Contains(run, readme, StringComparison.Ordinal);
    }

    [Fact]
    public void Ci_RunsTheReadmesTwoCommands()
    {
        var readme = File.ReadAllText(Path.Combine(s_root, "README.md"));
        var block = readme[readme.IndexOf("## Two commands", StringComparison.Ordinal)..];
        block = block[(block.IndexOf("```sh", StringComparison.Ordinal) + 5)..];
        var commands = block[..block.IndexOf("```", StringComparison.Ordinal)]
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('#')[0].Trim())
            .ToList();
        var ci = File.ReadAllLines(Path.Combine(s_root, ".ci", "run")).Select(line => line.Trim()).ToList();

        Assert.Equal(["dotnet run --project Cli -- hunt", "dotnet test"], commands);
        Assert.All(commands, command => Assert.Contains(ci, line => line == command || line.StartsWith(command + " ", StringComparison.Ordinal)));
    }

    private static string Section(string readme, string name)
    {
        var begin = readme.IndexOf($"<!-- {name}:begin -->", StringComparison.Ordinal);
        var end = readme.IndexOf($"<!-- {name}:end -->", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"README lacks the {name} section");
        return readme[begin..end];
    }
}
