using Microsoft.Coyote;
using Sim.Runtime.Exploration;

namespace Sim.Bench.Exploration;

/// <summary>The settings both sides run under: the baseline takes <see cref="Explorer"/>'s own Coyote configuration.</summary>
internal static class CoyoteSettings
{
    /// <summary>The seed of every measured run: the same schedules in every round.</summary>
    public const uint Seed = 20261125;

    /// <summary>The options our side passes to <see cref="Explorer.Explore"/>.</summary>
    public static ExplorationOptions Options(uint iterations) => new()
    {
        Strategy = Strategy.Random,
        Iterations = iterations,
        Seed = Seed,
    };

    /// <summary>The Coyote configuration of such an exploration, for the baseline: the very one <see cref="Explorer"/> uses.</summary>
    public static Configuration For(ExplorationOptions o) => Explorer.Configure(o, trace: null);
}
