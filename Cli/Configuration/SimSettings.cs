using Sim.Runtime.Exploration;
using Sim.Runtime.Stress;

namespace Sim.Cli.Configuration;

/// <summary>
/// Every setting of the tool, resolved: the built-in defaults (those of <see cref="ExplorationOptions"/> and
/// <see cref="StressOptions"/>, plus the output folder and 100 stress runs), overridden by Coyote.config, by <c>SIM_*</c>
/// environment variables, then by flags. <see cref="SettingFields"/> has one row per setting.
/// </summary>
internal sealed record SimSettings
{
    /// <summary>The built-in defaults.</summary>
    public static SimSettings BuiltIn { get; } = new();

    /// <summary>How variants are explored; a null seed means "random": the tool draws one per run and reports it.</summary>
    public ExplorationOptions Exploration { get; init; } = new();

    /// <summary>How <c>sim stress</c> runs.</summary>
    public StressOptions Stress { get; init; } = new() { Runs = 100 };

    /// <summary>The output folder (absolute once resolved).</summary>
    public string OutputDirectory { get; init; } = "sim-out";

    /// <summary>The exploration options these settings give, with the seed actually used.</summary>
    public ExplorationOptions ToExplorationOptions(uint seed) => Exploration with { Seed = seed };
}
