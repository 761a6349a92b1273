using Sim.Model.Interpreter;
using Sim.Model.Qsbr;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// The clean pair most memory scenarios start with: CPython 3.13 with its QSBR constants, under which the goals of a short
/// program are seldom reached (empty pages and delayed frees simply wait), and its <c>-eager-reclaim</c> twin
/// (<see cref="QsbrDesign.EagerReclaim"/>), under which they are reached as soon as every thread has passed a quiescent
/// state, so that the free paths run, and must stay safe, within the scenario.
/// </summary>
internal static class QsbrVariants
{
    /// <summary>The name of the eager twin.</summary>
    public const string EagerReclaimName = "cpython-3.13-eager-reclaim";

    /// <summary>
    /// <c>cpython-3.13</c> (<paramref name="description"/>) and <c>cpython-3.13-eager-reclaim</c> (the same design with
    /// <see cref="QsbrDesign.EagerReclaim"/>, described by <paramref name="eagerEffect"/>: what is freed within the
    /// scenario), both expected clean.
    /// </summary>
    public static IEnumerable<Variant<ModelConfig>> Cpython313(string description, string eagerEffect) =>
        Cpython313(description, eagerEffect, config => config);

    /// <summary>The same pair for a scenario whose design wraps the <see cref="ModelConfig"/> (<paramref name="wrap"/>).</summary>
    public static IEnumerable<Variant<TDesign>> Cpython313<TDesign>(string description, string eagerEffect, Func<ModelConfig, TDesign> wrap)
    {
        yield return new("cpython-3.13", description, Expectation.Clean, wrap(ModelConfig.Cpython313));
        yield return new(EagerReclaimName,
            $"CPython 3.13 with the QSBR write sequence advanced at every deferral and the delayed-free queue processed at every periodic check, so {eagerEffect}, once safe, within the scenario.",
            Expectation.Clean, wrap(ModelConfig.Cpython313 with { Qsbr = QsbrDesign.EagerReclaim }));
    }
}
