using Sim.Runtime.Exploration;
using Xunit.Abstractions;

namespace Sim.Scenarios.Tests;

public class ProbeScenarioTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Variants()
    {
        var data = new TheoryData<string, string>();
        foreach (var s in ScenarioCatalog.Default.All)
        {
            foreach (var v in s.Variants)
            {
                data.Add(s.Name, v.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Probe(string scenario, string variant)
    {
        var s = ScenarioCatalog.Default.Find(scenario)!;
        var v = s.FindVariant(variant)!;
        foreach (var strategy in new[] { Strategy.Portfolio, Strategy.Random, Strategy.Prioritization, Strategy.DelayBounding })
        {
            var r = Explorer.Explore(s.Program(v), new ExplorationOptions { Strategy = strategy, Iterations = 1000, Seed = 7 });
            output.WriteLine($"{strategy}: {r.Outcome} it={r.Iterations} steps={r.SchedulingSteps} {r.Elapsed.TotalSeconds:0.00}s {r.Message}");
        }
    }
}
