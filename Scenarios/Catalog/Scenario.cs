using System.Reflection;
using Sim.Runtime;

namespace Sim.Scenarios.Catalog;

/// <summary>
/// A scenario: a small program over the Model (which threads run, what each does) and the invariants that must hold
/// during and after, with named variants (the historical or broken design beside the fix) and each variant's expected
/// outcome. A scenario never steers the scheduler: no sleeps, no forced orders. Derive from
/// <see cref="Scenario{TDesign}"/> and mark the class with <see cref="ScenarioAttribute"/>.
/// </summary>
public abstract class Scenario
{
    /// <summary>The name it is registered under.</summary>
    public string Name => GetType().GetCustomAttribute<ScenarioAttribute>()?.Name
        ?? throw new InvalidOperationException($"{GetType().Name} lacks [Scenario]");

    /// <summary>One sentence: the race and what must hold.</summary>
    public abstract string Summary { get; }

    /// <summary>The CPython issues, changes, functions and files the scenario reproduces.</summary>
    public abstract IReadOnlyList<string> References { get; }

    /// <summary>The variants, the default one first.</summary>
    public abstract IReadOnlyList<ScenarioVariant> Variants { get; }

    /// <summary>Finds a variant by name (case-sensitive), or null.</summary>
    public ScenarioVariant? FindVariant(string name) => Variants.FirstOrDefault(v => v.Name == name);

    /// <summary>The program of one variant: the body of the simulated main thread.</summary>
    public Action<SimRuntime> Program(ScenarioVariant variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        if (!Variants.Contains(variant))
        {
            throw new ArgumentException($"{variant.Name} is not a variant of {Name}", nameof(variant));
        }

        return rt => RunVariant(rt, variant);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    private protected abstract void RunVariant(SimRuntime runtime, ScenarioVariant variant);
}

/// <summary>A scenario whose variants differ by a design record of type <typeparamref name="TDesign"/>.</summary>
/// <typeparam name="TDesign">The model configuration a variant selects (for example which unlock protocol a mutex uses).</typeparam>
public abstract class Scenario<TDesign> : Scenario
{
    private IReadOnlyList<ScenarioVariant>? _variants;

    /// <inheritdoc/>
    public sealed override IReadOnlyList<ScenarioVariant> Variants => _variants ??= [.. DefineVariants()];

    /// <summary>The variants, the default one first.</summary>
    protected abstract IEnumerable<Variant<TDesign>> DefineVariants();

    /// <summary>Runs the scenario's main thread with the variant's design.</summary>
    protected abstract void Run(SimRuntime runtime, TDesign design);

    private protected sealed override void RunVariant(SimRuntime runtime, ScenarioVariant variant) =>
        Run(runtime, ((Variant<TDesign>)variant).Design);
}

/// <summary>A named variant of a scenario and the outcome exploration must give.</summary>
/// <param name="Name">The variant's name, for example <c>tstate-lock-3.12</c>.</param>
/// <param name="Description">What the variant models and where it comes from (the CPython issue or the hazard).</param>
/// <param name="Expected">The expected outcome.</param>
public abstract record ScenarioVariant(string Name, string Description, Expectation Expected)
{
    /// <summary>
    /// The design the variant selects, as text (the design record's <c>ToString</c>). Trace files record it, so that a
    /// trace of a variant whose design has changed since is refused instead of replayed against another model.
    /// </summary>
    public abstract string DesignText { get; }
}

/// <summary>A variant carrying its design.</summary>
/// <typeparam name="TDesign">The design type of the scenario.</typeparam>
/// <param name="Name">The variant's name.</param>
/// <param name="Description">What the variant models and where it comes from.</param>
/// <param name="Expected">The expected outcome.</param>
/// <param name="Design">The model configuration the variant selects.</param>
public sealed record Variant<TDesign>(string Name, string Description, Expectation Expected, TDesign Design)
    : ScenarioVariant(Name, Description, Expected)
{
    /// <inheritdoc/>
    public override string DesignText => Design?.ToString() ?? "null";
}
