using System.Reflection;

namespace Sim.Scenarios.Catalog;

/// <summary>Every scenario marked with <see cref="ScenarioAttribute"/> in this assembly, in name order.</summary>
public sealed class ScenarioCatalog
{
    private readonly IReadOnlyList<Scenario> _scenarios;

    private ScenarioCatalog(IEnumerable<Scenario> scenarios) =>
        _scenarios = [.. scenarios.OrderBy(s => s.Name, StringComparer.Ordinal)];

    /// <summary>The catalog of this assembly's scenarios.</summary>
    public static ScenarioCatalog Default { get; } = Discover(typeof(ScenarioCatalog).Assembly);

    /// <summary>All scenarios, in name order.</summary>
    public IReadOnlyList<Scenario> All => _scenarios;

    /// <summary>Finds a scenario by name, or null.</summary>
    public Scenario? Find(string name) => _scenarios.FirstOrDefault(s => s.Name == name);

    /// <summary>Builds a catalog from the scenarios of an assembly.</summary>
    public static ScenarioCatalog Discover(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var scenarios = assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<ScenarioAttribute>() is not null)
            .Select(t => t.IsAbstract || !typeof(Scenario).IsAssignableFrom(t) || t.GetConstructor(Type.EmptyTypes) is null
                ? throw new InvalidOperationException($"[Scenario] {t.Name} must be a concrete Scenario with a public parameterless constructor")
                : (Scenario)Activator.CreateInstance(t)!)
            .ToList();
        var duplicate = scenarios.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"two scenarios are named {duplicate.Key}");
        }

        foreach (var s in scenarios)
        {
            if (s.Variants.Count == 0 || s.Variants.Select(v => v.Name).Distinct().Count() != s.Variants.Count)
            {
                throw new InvalidOperationException($"scenario {s.Name} needs at least one variant, with distinct names");
            }
        }

        return new ScenarioCatalog(scenarios);
    }
}
