using System.IO.Enumeration;
using Sim.Scenarios.Catalog;

namespace Sim.Cli;

/// <summary>A scenario and one of its variants, as the commands address them (<c>scenario/variant</c>).</summary>
internal sealed record VariantRef(Scenario Scenario, ScenarioVariant Variant)
{
    /// <summary>The <c>scenario/variant</c> name.</summary>
    public string Name => $"{Scenario.Name}/{Variant.Name}";
}

/// <summary>Finds scenarios and variants by the names users type, with "did you mean" help when a name is wrong.</summary>
internal static class Catalog
{
    /// <summary>Every scenario of <see cref="ScenarioCatalog.Default"/>.</summary>
    public static IReadOnlyList<Scenario> All
    {
        get
        {
            try
            {
                return ScenarioCatalog.Default.All;
            }
            catch (TypeInitializationException ex)
            {
                throw new InvalidOperationException($"the scenario catalog is invalid: {(ex.InnerException ?? ex).Message}", ex);
            }
        }
    }

    /// <summary>Every variant of every scenario, in catalog order.</summary>
    public static IEnumerable<VariantRef> AllVariants => All.SelectMany(s => s.Variants.Select(v => new VariantRef(s, v)));

    /// <summary>The scenario named <paramref name="name"/>; otherwise a <see cref="UsageException"/> suggesting the closest names.</summary>
    public static Scenario Scenario(string name, string context = "")
    {
        var found = All.FirstOrDefault(s => s.Name == name);
        return found ?? throw new UsageException(
            $"{context}unknown scenario '{name}'{Suggest.DidYouMean(name, All.Select(s => s.Name))}; run 'sim list' to see the scenarios");
    }

    /// <summary>The variant named <paramref name="name"/> of <paramref name="scenario"/>, or its default (first) one when null.</summary>
    public static ScenarioVariant Variant(Scenario scenario, string? name, string context = "")
    {
        if (name is null)
        {
            return scenario.Variants[0];
        }

        var names = scenario.Variants.Select(v => v.Name).ToList();
        return scenario.FindVariant(name) ?? throw new UsageException(
            $"{context}scenario '{scenario.Name}' has no variant '{name}'{Suggest.DidYouMean(name, names)}; its variants are {string.Join(", ", names)} (see 'sim list')");
    }

    /// <summary>
    /// The variants matching any of <paramref name="patterns"/> (all of them if there are none). A pattern is a glob
    /// (<c>*</c>, <c>?</c>) over scenario names (<c>pymutex-*</c>), or over <c>scenario/variant</c> when it contains a
    /// slash (<c>*/cpython-3.13</c>). A pattern that matches nothing is a <see cref="UsageException"/>.
    /// </summary>
    public static IReadOnlyList<VariantRef> Select(IReadOnlyList<string> patterns)
    {
        var all = AllVariants.ToList();
        if (patterns.Count == 0)
        {
            return all;
        }

        var selected = new HashSet<VariantRef>();
        foreach (var pattern in patterns)
        {
            var bySlash = pattern.Contains('/', StringComparison.Ordinal);
            var matches = all.Where(v => FileSystemName.MatchesSimpleExpression(pattern, bySlash ? v.Name : v.Scenario.Name, ignoreCase: false)).ToList();
            if (matches.Count == 0)
            {
                var names = bySlash ? all.Select(v => v.Name) : All.Select(s => s.Name);
                throw new UsageException(
                    $"--scenario '{pattern}' matches no {(bySlash ? "scenario/variant" : "scenario")}{Suggest.DidYouMean(pattern, names)}; run 'sim list' to see the names");
            }

            selected.UnionWith(matches);
        }

        return [.. all.Where(selected.Contains)];
    }
}
