using Sim.Runtime.Scheduling;

namespace Sim.Runtime.Platform;

/// <summary>What one controlled iteration runs with; the harness makes it from the exploration's options.</summary>
/// <param name="NanosPerStep">How far the virtual clock advances per scheduling point.</param>
/// <param name="YieldFairness">Every this many yields of a spinning thread, one is fair.</param>
/// <param name="MaxSteps">The step bound the options set (livelock reports quote it).</param>
internal sealed record ControlledSettings(long NanosPerStep, int YieldFairness, uint MaxSteps)
{
    /// <summary>Decides every step and choice (a gated run), or null: Coyote's strategy decides and the platform records.</summary>
    public SchedulePolicy? Policy { get; init; }

    /// <summary>Record the schedule (which thread ran at each step, among which). Off only to measure what recording costs.</summary>
    public bool RecordSchedule { get; init; } = true;
}
