namespace Sim.Runtime.Exploration;

/// <summary>Coyote's exploration strategies, as the harness offers them.</summary>
public enum Strategy
{
    /// <summary>Coyote's portfolio (the default when no strategy is named): a different strategy each iteration.</summary>
    Portfolio,

    /// <summary>Uniformly random choice at every scheduling point.</summary>
    Random,

    /// <summary>Random, but switching thread only with probability 1/2^bound (Coyote's probabilistic strategy).</summary>
    Probabilistic,

    /// <summary>PCT: priority-based scheduling with up to <c>bound</c> priority change points (Burckhardt et al., ASPLOS 2010).</summary>
    Prioritization,

    /// <summary>PCT that turns fair after the unfair step bound.</summary>
    FairPrioritization,

    /// <summary>Delay bounding: a deterministic scheduler perturbed by up to <c>bound</c> delays (Emmi et al., POPL 2011).</summary>
    DelayBounding,

    /// <summary>Delay bounding that turns fair after the unfair step bound.</summary>
    FairDelayBounding,

    /// <summary>Q-learning over the program state (Mukherjee et al., OOPSLA 2020).</summary>
    QLearning,
}

/// <summary>Names of strategies as the CLI and the configuration file spell them.</summary>
public static class StrategyNames
{
    private static readonly (string Name, Strategy Strategy)[] s_names =
    [
        ("portfolio", Strategy.Portfolio),
        ("random", Strategy.Random),
        ("probabilistic", Strategy.Probabilistic),
        ("prioritization", Strategy.Prioritization),
        ("fair-prioritization", Strategy.FairPrioritization),
        ("delay-bounding", Strategy.DelayBounding),
        ("fair-delay-bounding", Strategy.FairDelayBounding),
        ("q-learning", Strategy.QLearning),
    ];

    /// <summary>Every accepted name, in order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. s_names.Select(n => n.Name)];

    /// <summary>The kebab-case name of a strategy.</summary>
    public static string Name(this Strategy strategy) => s_names.First(n => n.Strategy == strategy).Name;

    /// <summary>Parses a strategy name (kebab-case; "pct" is accepted for prioritization).</summary>
    public static bool TryParse(string? text, out Strategy strategy)
    {
        var key = text?.Trim().ToLowerInvariant();
        if (key == "pct")
        {
            key = "prioritization";
        }

        foreach (var (name, s) in s_names)
        {
            if (name == key)
            {
                strategy = s;
                return true;
            }
        }

        strategy = default;
        return false;
    }
}
