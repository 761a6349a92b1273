using System.Text.RegularExpressions;
using Sim.Runtime.Exploration;
using Sim.Tests;

namespace Sim.Scenarios.Tests;

/// <summary>Claims about the whole corpus: every variant meets its expectation, and every expected bug replays.</summary>
public partial class CatalogTests
{
    public static TheoryData<string, string> AllVariants() => Variants(_ => true);

    public static TheoryData<string, string> BugVariants() => Variants(v => v.Expected.ExpectsBug);

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
            Assert.All(s.Variants, v =>
            {
                Assert.Matches(VariantName(), v.Name);
                Assert.False(string.IsNullOrWhiteSpace(v.Description), $"{s.Name}/{v.Name} has no description");
            });
        });
    }

    [Theory]
    [MemberData(nameof(AllVariants))]
    public void EveryVariant_MeetsItsExpectation_WithinTheDefaultBudget(string scenario, string variant)
    {
        var (s, v) = Find(scenario, variant);
        var result = Explorer.Explore(s.Program(v), Exploring.Options);

        Assert.True(
            result.Outcome is Outcome.Clean or Outcome.BugFound,
            $"{scenario}/{variant}: {result.Outcome}: {result.Message}");
        Assert.True(
            v.Expected.IsMetBy(result.FoundBug ? result.Message : null),
            $"{scenario}/{variant} expected {v.Expected}, got {result.Outcome} after {result.Iterations} iterations: {result.Message}");
    }

    [Theory]
    [MemberData(nameof(BugVariants))]
    public void EveryExpectedBug_ReplaysFromItsTrace_TheSameWay_TwentyTimesOutOfTwenty(string scenario, string variant)
    {
        var (s, v) = Find(scenario, variant);
        var found = Explorer.Explore(s.Program(v), Exploring.Options);
        Assert.True(found.FoundBug, $"{scenario}/{variant}: no bug to replay ({found.Outcome})");

        for (var i = 0; i < 20; i++)
        {
            var again = Explorer.Replay(s.Program(v), found.CoyoteTrace!, Exploring.Options);
            Assert.Equal(Outcome.BugFound, again.Outcome);
            Assert.Equal(found.Message, again.Message);
            Assert.Equal(found.Steps.Count, again.Steps.Count);
        }
    }

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

    private static (Scenario Scenario, ScenarioVariant Variant) Find(string scenario, string variant)
    {
        var s = ScenarioCatalog.Default.Find(scenario) ?? throw new InvalidOperationException(scenario);
        return (s, s.FindVariant(variant) ?? throw new InvalidOperationException(variant));
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();

    [GeneratedRegex("^[a-z0-9]+([-.][a-z0-9]+)*$")]
    private static partial Regex VariantName();
}
