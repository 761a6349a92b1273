using System.Text.RegularExpressions;

namespace Sim.Cli.Tests;

/// <summary>
/// The shipped recipes for hunting on many machines agree with themselves and with the CLI: the GitHub Actions workflow
/// runs one shard per matrix entry and merges them all; the Kubernetes Indexed Job tells each pod the shard count, and
/// each pod's command hunts the shard its index names.
/// </summary>
public sealed partial class ShardRecipeTests : IDisposable
{
    private static readonly string s_root = CliHarness.RepositoryRoot();

    private readonly CliHarness _cli = new();

    [Fact]
    public void Workflow_HuntsOneShardPerMatrixEntry_AndMergesEveryShard()
    {
        var workflow = File.ReadAllText(Path.Combine(s_root, ".github", "workflows", "hunt.yml"));

        var shards = int.Parse(Match(workflow, @"SHARDS: ""(\d+)"""), System.Globalization.CultureInfo.InvariantCulture);
        var matrix = Match(workflow, @"shard: \[([0-9, ]+)\]").Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Enumerable.Range(1, shards), matrix);
        Assert.Contains("hunt --shard \"${{ matrix.shard }}/$SHARDS\"", workflow, StringComparison.Ordinal);
        Assert.Contains("--output \"shards/${{ matrix.shard }}\"", workflow, StringComparison.Ordinal);
        Assert.Contains("name: shard-${{ matrix.shard }}", workflow, StringComparison.Ordinal);
        var merge = workflow[workflow.IndexOf("\n  merge:", StringComparison.Ordinal)..];
        Assert.Contains("needs: hunt", merge, StringComparison.Ordinal);
        Assert.Contains("if: always()", merge, StringComparison.Ordinal);
        Assert.Contains("sim/sim.dll merge shards/shard-* --output merged", merge, StringComparison.Ordinal);

        // Users' own scenarios: the project the build job builds is the assembly every shard hunts and the merge loads.
        Assert.Contains("dotnet build \"$SCENARIO_PROJECT\" -c Release -o sim/scenarios", workflow, StringComparison.Ordinal);
        const string assembly = "${SCENARIO_PROJECT:+--assembly \"sim/scenarios/$(basename \"$SCENARIO_PROJECT\" .csproj).dll\"}";
        Assert.Contains(assembly, workflow[..workflow.IndexOf("\n  merge:", StringComparison.Ordinal)], StringComparison.Ordinal);
        Assert.Contains(assembly, merge, StringComparison.Ordinal);
    }

    [Fact]
    public void IndexedJob_GivesEveryPodTheShardCount_AndEachPodHuntsItsShard()
    {
        var manifest = File.ReadAllText(Path.Combine(s_root, "deploy", "kubernetes", "hunt-indexed-job.yaml"));

        Assert.Contains("completionMode: Indexed", manifest, StringComparison.Ordinal);
        var completions = Match(manifest, @"\n  completions: (\d+)");
        Assert.Equal(completions, Match(manifest, @"\n  parallelism: (\d+)"));
        Assert.Equal(completions, Match(manifest, @"name: JOB_COMPLETIONS\s+value: ""(\d+)"""));
        var hunt = Match(manifest, @"-- hunt \\\s+(.*?)\s+--output");
        Assert.DoesNotContain("--shard", hunt, StringComparison.Ordinal);

        // Users' own scenarios: the assembly a pod builds from SCENARIO_PROJECT reaches its hunt.
        Assert.Contains("set -- --assembly \"$out/$(basename \"$SCENARIO_PROJECT\" .csproj).dll\"", manifest, StringComparison.Ordinal);
        Assert.Matches(@"--output ""/reports/shard-\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)"" ""\$@""", manifest);

        // The pod's flags, with a budget these tests can afford: the last pod of the job hunts the last slice.
        var flags = QuotedOrBare().Matches(hunt).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Value).Where(f => f != "\\").ToList();
        flags[flags.IndexOf("--iterations") + 1] = "64";
        _cli.Environment["JOB_COMPLETION_INDEX"] = (int.Parse(completions, System.Globalization.CultureInfo.InvariantCulture) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _cli.Environment["JOB_COMPLETIONS"] = completions;
        var result = _cli.Run(["hunt", .. flags]);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains($"(shard {completions}/{completions}: iterations 57 to 64 of each variant", result.Out, StringComparison.Ordinal);
    }

    public void Dispose() => _cli.Dispose();

    private static string Match(string text, string pattern)
    {
        var match = Regex.Match(text, pattern, RegexOptions.Singleline);
        Assert.True(match.Success, $"no match for {pattern}");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"'([^']*)'|\S+")]
    private static partial Regex QuotedOrBare();
}
