using Sim.Runtime.Exploration;

namespace Sim.Cli.Output;

/// <summary>The exploration settings as the JSON files (traces, hunt reports) record them.</summary>
internal sealed record SettingsRecord(
    string Strategy,
    uint StrategyBound,
    uint Iterations,
    uint MaxSteps,
    uint Seed,
    double? TimeLimitSeconds,
    long VirtualNanosPerStep,
    int YieldFairness,
    double HangTimeoutSeconds)
{
    /// <summary>The record of <paramref name="o"/>.</summary>
    public static SettingsRecord From(ExplorationOptions o) => new(
        o.Strategy.Name(), o.StrategyBound, o.Iterations, o.MaxSteps, o.Seed ?? 0,
        o.TimeLimit?.TotalSeconds, o.VirtualNanosPerStep, o.YieldFairness, o.HangTimeout.TotalSeconds);
}
