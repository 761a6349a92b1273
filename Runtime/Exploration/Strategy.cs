namespace Sim.Runtime.Exploration;

/// <summary>
/// The exploration strategies the harness offers: Coyote's, and the preemption-bounded exhaustive search of
/// <see cref="Scheduling.BoundedSearch"/>. Everything else about a strategy (its name, aliases,
/// what its bound means, how it configures Coyote) is its row in <see cref="StrategyRow.Table"/>.
/// </summary>
public enum Strategy
{
    /// <summary>Coyote's portfolio (the default): a different strategy each iteration.</summary>
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

    /// <summary>
    /// Every schedule with at most <c>k</c> preemptions, for k = 0, 1, ... up to <c>bound</c>, depth first over the schedule
    /// record (iterative context bounding: Musuvathi and Qadeer, PLDI 2007). Ours, not Coyote's.
    /// </summary>
    PreemptionBounded,
}
