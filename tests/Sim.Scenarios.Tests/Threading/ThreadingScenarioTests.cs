using Sim.Runtime.Exploration;
using Sim.Tests;

namespace Sim.Scenarios.Tests.Threading;

/// <summary>
/// Every thread-join scenario at the default budget (portfolio, 1,000 iterations): each broken variant is found, for
/// several seeds, and replays to the same failure; each fixed variant stays clean. The longer clean runs
/// (10,000 iterations) are measured by hand; see docs/thread-join.md.
/// </summary>
public class ThreadingScenarioTests
{
    private static readonly string[] s_scenarios =
        ["thread-join-race", "thread-handle-concurrent-join", "thread-shutdown", "thread-handle-after-fork"];

    public static TheoryData<string, string> FixedVariants() => Variants(expectBug: false);

    public static TheoryData<string, string> BrokenVariants() => Variants(expectBug: true);

    [Fact]
    public void Catalog_ListsTheThreadJoinScenarios_WithTheFixedVariantFirst()
    {
        foreach (var name in s_scenarios)
        {
            var scenario = ScenarioCatalog.Default.Find(name);
            Assert.NotNull(scenario);
            Assert.False(scenario.Variants[0].Expected.ExpectsBug, $"{name}: the default variant must be the fixed one");
            Assert.Contains(scenario.Variants, v => v.Expected.ExpectsBug);
            Assert.NotEmpty(scenario.References);
        }
    }

    [Theory]
    [MemberData(nameof(FixedVariants))]
    public void FixedVariant_StaysClean_AtTheDefaultBudget(string scenario, string variant) =>
        Exploring.StaysClean(Program(scenario, variant), iterations: 1000);

    [Theory]
    [MemberData(nameof(BrokenVariants))]
    public void BrokenVariant_IsFound_AndReplays_ForSeveralSeeds(string scenario, string variant)
    {
        var v = ScenarioCatalog.Default.Find(scenario)!.FindVariant(variant)!;
        var fragment = ((Expectation.BugExpectation)v.Expected).Fragment;
        foreach (var seed in new uint[] { 1, 2, 3 })
        {
            var result = Exploring.FindsBug(Program(scenario, variant), fragment, new ExplorationOptions { Iterations = 1000, Seed = seed }, replays: 1);
            Assert.True(result.Iterations <= 1000);
        }
    }

    private static Action<Sim.Runtime.SimRuntime> Program(string scenario, string variant)
    {
        var s = ScenarioCatalog.Default.Find(scenario)!;
        return s.Program(s.FindVariant(variant)!);
    }

    private static TheoryData<string, string> Variants(bool expectBug)
    {
        var data = new TheoryData<string, string>();
        foreach (var name in s_scenarios)
        {
            foreach (var v in ScenarioCatalog.Default.Find(name)!.Variants.Where(v => v.Expected.ExpectsBug == expectBug))
            {
                data.Add(name, v.Name);
            }
        }

        return data;
    }
}
