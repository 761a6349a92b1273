using Microsoft.Coyote;
using Sim.Runtime.Exploration;

namespace Sim.Bench.Exploration;

/// <summary>
/// The Coyote configuration both sides run under. <see cref="Explorer"/> builds its own from
/// <see cref="ExplorationOptions"/>; the baseline and the step census must run under exactly the same settings, so this
/// repeats what <c>Explorer.Configure</c> does for <see cref="Strategy.Random"/> (Runtime/Exploration/Explorer.cs). If
/// that method changes, change this too: the census's cross-check (same Runtime step total as the measured run) fails
/// when the two configurations explore different schedules.
/// </summary>
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

    /// <summary>The equivalent Coyote configuration, for the baseline and the census.</summary>
    public static Configuration For(ExplorationOptions o) => Configuration.Create()
        .WithTestingIterations(o.Iterations)
        .WithMaxSchedulingSteps(o.MaxSteps)
        .WithFailureOnMaxStepsBoundEnabled(true)
        .WithTelemetryEnabled(false)
        .WithConsoleLoggingEnabled(false)
        .WithSystematicFuzzingFallbackEnabled(false)
        .WithPotentialDeadlocksReportedAsBugs(true)
        .WithDeadlockTimeout((uint)o.HangTimeout.TotalMilliseconds)
        .WithRandomGeneratorSeed(o.Seed ?? Seed)
        .WithRandomStrategy();
}
