using System.Text.Json;
using Sim.Scenarios.Catalog;

namespace Sim.Cli.Tests;

public sealed class ListCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public void List_ShowsEveryScenarioAndVariantWithItsExpectation()
    {
        var result = _cli.Run("list");

        Assert.Equal(0, result.ExitCode);
        foreach (var scenario in ScenarioCatalog.Default.All)
        {
            Assert.Contains(scenario.Name, result.Out, StringComparison.Ordinal);
            Assert.Contains(scenario.Summary, result.Out, StringComparison.Ordinal);
            foreach (var reference in scenario.References)
            {
                Assert.Contains(reference, result.Out, StringComparison.Ordinal);
            }

            foreach (var variant in scenario.Variants)
            {
                Assert.Contains(variant.Name, result.Out, StringComparison.Ordinal);
            }
        }

        var variants = ScenarioCatalog.Default.All.Sum(s => s.Variants.Count);
        Assert.Contains($"{ScenarioCatalog.Default.All.Count} scenarios, {variants} variants", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void ListJson_GivesEveryVariantWithItsExpectedOutcome()
    {
        var result = _cli.Run("list", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        var listed = json.RootElement.EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        foreach (var scenario in ScenarioCatalog.Default.All)
        {
            var variants = listed[scenario.Name].GetProperty("variants").EnumerateArray().ToList();
            Assert.Equal(scenario.Variants.Select(v => v.Name), variants.Select(v => v.GetProperty("name").GetString()));
            foreach (var (variant, entry) in scenario.Variants.Zip(variants))
            {
                Assert.Equal(variant.Expected.ExpectsBug ? "bug" : "clean", entry.GetProperty("expected").GetString());
                Assert.Equal(
                    (variant.Expected as Expectation.BugExpectation)?.Fragments ?? [],
                    entry.GetProperty("fragments").EnumerateArray().Select(f => f.GetString()!));
            }
        }
    }

    public void Dispose() => _cli.Dispose();
}
