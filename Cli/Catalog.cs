using System.IO.Enumeration;
using Sim.Scenarios.Catalog;

namespace Sim.Cli;

/// <summary>A scenario and one of its variants, as the commands address them (<c>scenario/variant</c>).</summary>
internal sealed record VariantRef(Scenario Scenario, ScenarioVariant Variant)
{
    /// <summary>The <c>scenario/variant</c> name.</summary>
    public string Name => $"{Scenario.Name}/{Variant.Name}";

    /// <summary>
    /// The flag that loads the scenario again in the commands the tool prints (<c> --assembly PATH</c>, with a leading
    /// space), or the empty string for a scenario of the built-in corpus.
    /// </summary>
    public string Flags => Catalog.FlagsFor(Scenario.GetType().Assembly);
}

/// <summary>
/// The scenarios a command works on, found by the names users type, with "did you mean" help when a name is wrong:
/// the corpus built into the tool (<see cref="Default"/>), or those of the assemblies given with <c>--assembly</c> and
/// <c>--project</c> (<see cref="Loading.ScenarioSources"/>).
/// </summary>
internal sealed class Catalog
{
    private static readonly Lazy<Catalog> s_default = new(() => new Catalog(BuiltIn(), []));

    /// <summary>A catalog of <paramref name="scenarios"/>, loaded from <paramref name="assemblies"/> (empty: the built-in corpus).</summary>
    public Catalog(IReadOnlyList<Scenario> scenarios, IReadOnlyList<string> assemblies)
    {
        All = scenarios;
        Assemblies = assemblies;
    }

    /// <summary>The corpus built into the tool (<see cref="ScenarioCatalog.Default"/>).</summary>
    public static Catalog Default => s_default.Value;

    /// <summary>Every scenario, in name order.</summary>
    public IReadOnlyList<Scenario> All { get; }

    /// <summary>The full paths of the outside assemblies the scenarios come from; empty for the built-in corpus.</summary>
    public IReadOnlyList<string> Assemblies { get; }

    /// <summary>
    /// The flags that select this catalog again, for the commands the tool prints (<c> --assembly PATH</c>, with a
    /// leading space), or the empty string for the built-in corpus.
    /// </summary>
    public string Flags => string.Concat(Assemblies.Select(a => $" --assembly {Commands.Describe.Quote(a)}"));

    /// <summary>The flag that loads the scenarios of <paramref name="assembly"/>: none for the built-in corpus.</summary>
    public static string FlagsFor(System.Reflection.Assembly assembly) =>
        assembly == typeof(ScenarioCatalog).Assembly ? string.Empty : $" --assembly {Commands.Describe.Quote(assembly.Location)}";

    /// <summary>Every variant of every scenario, in catalog order.</summary>
    public IEnumerable<VariantRef> AllVariants => All.SelectMany(s => s.Variants.Select(v => new VariantRef(s, v)));

    /// <summary>The scenario named <paramref name="name"/>; otherwise a <see cref="UsageException"/> suggesting the closest names.</summary>
    public Scenario Scenario(string name, string context = "")
    {
        var found = All.FirstOrDefault(s => s.Name == name);
        return found ?? throw new UsageException(
            $"{context}unknown scenario '{name}'{Suggest.DidYouMean(name, All.Select(s => s.Name))}; run 'sim list{Flags}' to see the scenarios");
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

    /// <summary>The variant <paramref name="variant"/> of the scenario <paramref name="scenario"/> (its default when null).</summary>
    public VariantRef Find(string scenario, string? variant)
    {
        var s = Scenario(scenario);
        return new VariantRef(s, Variant(s, variant));
    }

    /// <summary>
    /// The variants matching any of <paramref name="patterns"/> (all of them if there are none). A pattern is a glob
    /// (<c>*</c>, <c>?</c>) over scenario names (<c>pymutex-*</c>), or over <c>scenario/variant</c> when it contains a
    /// slash (<c>*/cpython-3.13</c>). A pattern that matches nothing is a <see cref="UsageException"/>.
    /// </summary>
    public IReadOnlyList<VariantRef> Select(IReadOnlyList<string> patterns)
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
                    $"--scenario '{pattern}' matches no {(bySlash ? "scenario/variant" : "scenario")}{Suggest.DidYouMean(pattern, names)}; run 'sim list{Flags}' to see the names");
            }

            selected.UnionWith(matches);
        }

        return [.. all.Where(selected.Contains)];
    }

    private static IReadOnlyList<Scenario> BuiltIn()
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
