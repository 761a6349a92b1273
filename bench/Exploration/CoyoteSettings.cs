using Microsoft.Coyote;
using Sim.Runtime.Exploration;

namespace Sim.Bench.Exploration;

/// <summary>The settings both sides run under: the baseline takes <see cref="Explorer"/>'s own Coyote configuration.</summary>
internal static class CoyoteSettings
{
    /// <summary>The seed of every measured run: the same schedules in every round.</summary>
    public const uint Seed = 20261125;

    /// <summary>
    /// The options our side passes to <see cref="Explorer.Explore"/>: exploration only (no shrinking of a bug, no
    /// preemption-bounded search after a clean run), so both sides run the same iterations and nothing else.
    /// </summary>
    public static ExplorationOptions Options(uint iterations) => new()
    {
        Strategy = Strategy.Random,
        Iterations = iterations,
        Seed = Seed,
        ShrinkRuns = 0,
        BoundedSchedules = 0,
    };

    /// <summary>The Coyote configuration of such an exploration, for the baseline: the very one <see cref="Explorer"/> uses.</summary>
    public static Configuration For(ExplorationOptions o) => Explorer.Configure(o);
}
