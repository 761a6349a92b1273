using Sim.Runtime;
using Sim.Runtime.Exploration;
using Sim.Tests;

namespace Sim.Scenarios.Tests.Memory;

/// <summary>
/// Every memory scenario (biased reference counting, QSBR and delayed free, mimalloc page reuse) at the default budget
/// (portfolio, 1,000 iterations): each broken variant is found for several seeds and replays to the same failure; each
/// fixed variant stays clean under exploration and on real threads. The 10,000-iteration clean runs and the figures per
/// strategy are measured by hand; see docs/biased-refcounting.md and docs/qsbr-mimalloc.md.
/// </summary>
public class MemoryScenarioTests
{
    private static readonly string[] s_scenarios =
    [
        "brc-owner-exit", "brc-nonowner-last-ref", "brc-try-incref-release",
        "list-item-lock-free-read", "list-array-delayed-free", "thread-exit-pages-waiting",
        "abandoned-page-tags", "abandoned-page-cross-thread-free",
    ];

    public static TheoryData<string, string> FixedVariants() => Variants(expectBug: false);

    public static TheoryData<string, string> BrokenVariants() => Variants(expectBug: true);

    [Fact]
    public void Catalog_ListsTheMemoryScenarios_WithAFixedVariantFirst_AndReferences()
    {
        foreach (var name in s_scenarios)
        {
            var scenario = ScenarioCatalog.Default.Find(name);
            Assert.NotNull(scenario);
            Assert.False(scenario.Variants[0].Expected.ExpectsBug, $"{name}: the first variant must be a fixed one");
            Assert.Contains(scenario.Variants, v => v.Expected.ExpectsBug);
            Assert.NotEmpty(scenario.References);
        }
    }

    [Theory]
    [MemberData(nameof(FixedVariants))]
    public void FixedVariant_StaysClean_AtTheDefaultBudget(string scenario, string variant) =>
        Exploring.StaysClean(Program(scenario, variant), iterations: 1000);

    [Theory]
    [MemberData(nameof(FixedVariants))]
    public void FixedVariant_StaysClean_OnRealThreads(string scenario, string variant) =>
        Exploring.RunsCleanOnRealThreads(Program(scenario, variant), runs: 50);

    [Theory]
    [MemberData(nameof(BrokenVariants))]
    public void BrokenVariant_IsFound_AndReplays(string scenario, string variant) =>
        Exploring.FindsBug(Program(scenario, variant), Fragment(scenario, variant));

    [Theory]
    [MemberData(nameof(BrokenVariants))]
    public void BrokenVariant_IsFound_ForOtherSeeds(string scenario, string variant)
    {
        foreach (var seed in new uint[] { 1, 2 })
        {
            Exploring.FindsBug(Program(scenario, variant), Fragment(scenario, variant), new ExplorationOptions { Iterations = 1000, Seed = seed }, replays: 1);
        }
    }

    private static string Fragment(string scenario, string variant) =>
        ((Expectation.BugExpectation)ScenarioCatalog.Default.Find(scenario)!.FindVariant(variant)!.Expected).Fragment;

    private static Action<SimRuntime> Program(string scenario, string variant)
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
