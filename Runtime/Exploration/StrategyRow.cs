using Microsoft.Coyote;

namespace Sim.Runtime.Exploration;

/// <summary>
/// One row of the strategy table: a strategy's name as the CLI and the configuration file spell it, its aliases, what
/// <see cref="ExplorationOptions.StrategyBound"/> means for it, and how it configures Coyote. Adding a strategy is one
/// enum member and one row; there is no fallback, so a strategy without a row is an error, never the portfolio.
/// </summary>
public sealed class StrategyRow
{
    private readonly Func<Configuration, uint, Configuration> _configure;

    private StrategyRow(Strategy strategy, string name, string? bound, Func<Configuration, uint, Configuration> configure, params string[] aliases)
    {
        Strategy = strategy;
        Name = name;
        Bound = bound;
        _configure = configure;
        Aliases = aliases;
    }

    /// <summary>Every strategy, in the order the CLI lists them.</summary>
    public static IReadOnlyList<StrategyRow> Table { get; } =
    [
        // Coyote runs its portfolio when no strategy is chosen: random, probabilistic(3), fair PCT(10), fair delay
        // bounding(10), one per iteration in turn.
        new(Strategy.Portfolio, "portfolio", bound: null, static (c, _) => c),
        new(Strategy.Random, "random", bound: null, static (c, _) => c.WithRandomStrategy()),
        new(Strategy.Probabilistic, "probabilistic", "the probability level: a thread switch has probability 1/2^bound",
            static (c, b) => c.WithProbabilisticStrategy(b)),
        new(Strategy.Prioritization, "prioritization", "priority change points",
            static (c, b) => c.WithPrioritizationStrategy(false, b), "pct"),
        new(Strategy.FairPrioritization, "fair-prioritization", "priority change points",
            static (c, b) => c.WithPrioritizationStrategy(true, b)),
        new(Strategy.DelayBounding, "delay-bounding", "delays",
            static (c, b) => c.WithDelayBoundingStrategy(false, b)),
        new(Strategy.FairDelayBounding, "fair-delay-bounding", "delays",
            static (c, b) => c.WithDelayBoundingStrategy(true, b)),
        new(Strategy.QLearning, "q-learning", bound: null, static (c, _) => c.WithQLearningStrategy()),

        // Ours: the policy gates every step, so Coyote's strategy never has more than one operation to choose from.
        new(Strategy.PreemptionBounded, "preemption-bounded", "the largest number of preemptions",
            static (c, _) => c.WithRandomStrategy(), "bounded"),
    ];

    /// <summary>The strategy this row describes.</summary>
    public Strategy Strategy { get; }

    /// <summary>The kebab-case name (<c>delay-bounding</c>).</summary>
    public string Name { get; }

    /// <summary>Other names accepted for it (<c>pct</c> for prioritization).</summary>
    public IReadOnlyList<string> Aliases { get; }

    /// <summary>What the strategy bound counts for this strategy; null if the strategy has no bound.</summary>
    public string? Bound { get; }

    /// <summary>True if <see cref="ExplorationOptions.StrategyBound"/> matters to this strategy.</summary>
    public bool UsesBound => Bound is not null;

    /// <summary>The row of <paramref name="strategy"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No row describes <paramref name="strategy"/> (a value outside the enum).</exception>
    public static StrategyRow Of(Strategy strategy) =>
        TryOf(strategy) ?? throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "no such strategy");

    /// <summary>The row of <paramref name="strategy"/>, or null if there is none.</summary>
    public static StrategyRow? TryOf(Strategy strategy)
    {
        foreach (var row in Table)
        {
            if (row.Strategy == strategy)
            {
                return row;
            }
        }

        return null;
    }

    /// <summary>Applies the strategy, with its bound, to a Coyote configuration.</summary>
    internal Configuration Configure(Configuration config, uint bound) => _configure(config, bound);
}
