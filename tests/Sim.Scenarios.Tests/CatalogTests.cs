using System.Text.RegularExpressions;
using Sim.Runtime;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Catalog;
using Sim.Testing;

namespace Sim.Scenarios.Tests;

/// <summary>
/// Claims about the whole corpus: the catalog is well formed, every expected bug is found for other seeds too, and every
/// fixed variant also runs clean on real threads. That every variant meets its expectation with the default budget
/// (and every bug replays from its trace) is claimed once, through the hunt loop of <c>sim hunt</c>:
/// tests/Sim.Cli.Tests, CorpusHuntTests. The longer clean runs (10,000 iterations) are measured by hand; see the docs pages.
/// </summary>
public partial class CatalogTests
{
    private static readonly uint[] s_otherSeeds = [1, 2, 3];

    public static TheoryData<string, string> BugVariants() => Variants(v => v.Expected.ExpectsBug);

    public static TheoryData<string, string> CleanVariants() => Variants(v => !v.Expected.ExpectsBug);

    [Fact]
    public void TheCatalog_IsWellFormed()
    {
        var all = ScenarioCatalog.Default.All;

        Assert.NotEmpty(all);
        Assert.All(all, s =>
        {
            Assert.Matches(KebabCase(), s.Name);
            Assert.False(string.IsNullOrWhiteSpace(s.Summary), $"{s.Name} has no summary");
            Assert.NotEmpty(s.References);
            Assert.False(s.Variants[0].Expected.ExpectsBug, $"{s.Name}: the first (default) variant must be a fixed one");
            Assert.Contains(s.Variants, v => v.Expected.ExpectsBug);
            Assert.All(s.Variants, v =>
            {
                Assert.Matches(VariantName(), v.Name);
                Assert.False(string.IsNullOrWhiteSpace(v.Description), $"{s.Name}/{v.Name} has no description");
            });
        });
    }

    [Theory]
    [MemberData(nameof(BugVariants))]
    public void EveryExpectedBug_IsFoundForOtherSeedsToo(string scenario, string variant)
    {
        var (program, v) = Find(scenario, variant);
        foreach (var seed in s_otherSeeds)
        {
            var result = Explorer.Explore(program, Exploring.Options with { Seed = seed });
            var verdict = Verdict.Judge(v.Expected, result, Exploring.Options.Iterations);
            Assert.True(verdict.IsMet, $"seed {seed}: {verdict.Explanation}");
        }
    }

    [Theory]
    [MemberData(nameof(CleanVariants))]
    public void EveryFixedVariant_RunsCleanOnRealThreads(string scenario, string variant) =>
        Exploring.RunsCleanOnRealThreads(Find(scenario, variant).Program, runs: 50);

    private static TheoryData<string, string> Variants(Func<ScenarioVariant, bool> which)
    {
        var data = new TheoryData<string, string>();
        foreach (var s in ScenarioCatalog.Default.All)
        {
            foreach (var v in s.Variants.Where(which))
            {
                data.Add(s.Name, v.Name);
            }
        }

        return data;
    }

    private static (Action<SimRuntime> Program, ScenarioVariant Variant) Find(string scenario, string variant)
    {
        var s = ScenarioCatalog.Default.Find(scenario) ?? throw new InvalidOperationException(scenario);
        var v = s.FindVariant(variant) ?? throw new InvalidOperationException(variant);
        return (s.Program(v), v);
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();

    [GeneratedRegex("^[a-z0-9]+([-.][a-z0-9]+)*$")]
    private static partial Regex VariantName();
}
