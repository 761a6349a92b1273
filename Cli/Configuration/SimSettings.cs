using Sim.Runtime.Exploration;
using Sim.Runtime.Stress;

namespace Sim.Cli.Configuration;

/// <summary>
/// Every setting of the tool, resolved: the built-in defaults (those of <see cref="ExplorationOptions"/> and
/// <see cref="StressOptions"/>), overridden by Coyote.config, by <c>SIM_*</c> environment variables, then by flags.
/// <see cref="SettingFields"/> documents each one.
/// </summary>
internal sealed record SimSettings
{
    private static readonly ExplorationOptions s_exploration = new();
    private static readonly StressOptions s_stress = new();

    /// <summary>The built-in defaults.</summary>
    public static SimSettings BuiltIn { get; } = new();

    public Strategy Strategy { get; init; } = s_exploration.Strategy;

    public uint StrategyBound { get; init; } = s_exploration.StrategyBound;

    public uint Iterations { get; init; } = s_exploration.Iterations;

    public uint MaxSteps { get; init; } = s_exploration.MaxSteps;

    /// <summary>The seed; null means "random": the tool draws one per run and reports it.</summary>
    public uint? Seed { get; init; }

    /// <summary>The wall-time limit of one variant's exploration, in seconds; null means none.</summary>
    public double? TimeLimitSeconds { get; init; }

    public long VirtualNanosPerStep { get; init; } = s_exploration.VirtualNanosPerStep;

    public int YieldFairness { get; init; } = s_exploration.YieldFairness;

    public double HangTimeoutSeconds { get; init; } = s_exploration.HangTimeout.TotalSeconds;

    /// <summary>The output folder (absolute once resolved).</summary>
    public string OutputDirectory { get; init; } = "sim-out";

    /// <summary>Stress runs per invocation; null means no run limit (then <see cref="StressSeconds"/> is set).</summary>
    public int? StressRuns { get; init; } = 100;

    /// <summary>Stress wall time per invocation, in seconds; null means no time limit.</summary>
    public double? StressSeconds { get; init; }

    public double StressHangTimeoutSeconds { get; init; } = s_stress.HangTimeout.TotalSeconds;

    public int StressMaxHangs { get; init; } = s_stress.MaxHangs;

    public double StressNoise { get; init; } = s_stress.NoiseRate;

    /// <summary>The seed of the first stress run; null means "random".</summary>
    public uint? StressSeed { get; init; }

    /// <summary>The exploration options these settings give, with the seed actually used.</summary>
    public ExplorationOptions ToExplorationOptions(uint seed) => new()
    {
        Strategy = Strategy,
        StrategyBound = StrategyBound,
        Iterations = Iterations,
        MaxSteps = MaxSteps,
        Seed = seed,
        TimeLimit = TimeLimitSeconds is { } t ? TimeSpan.FromSeconds(t) : null,
        VirtualNanosPerStep = VirtualNanosPerStep,
        YieldFairness = YieldFairness,
        HangTimeout = TimeSpan.FromSeconds(HangTimeoutSeconds),
    };

    /// <summary>The stress options these settings give.</summary>
    public StressOptions ToStressOptions() => new()
    {
        Runs = StressRuns,
        Duration = StressSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
        HangTimeout = TimeSpan.FromSeconds(StressHangTimeoutSeconds),
        MaxHangs = StressMaxHangs,
        NoiseRate = StressNoise,
        Seed = StressSeed,
    };
}
