using Sim.Runtime.Coverage;
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

    /// <summary>Check every plain access with the happens-before race detector (<see cref="Races.HappensBefore"/>).</summary>
    public bool DetectRaces { get; init; } = true;

    /// <summary>
    /// Make every plain access a scheduling point (<see cref="Exploration.ExplorationOptions.PlainAccessPoints"/>); with the
    /// race detector off they always are.
    /// </summary>
    public bool PlainAccessPoints { get; init; }

    /// <summary>The exploration's coverage count, shared by its iterations, or null when nobody counts.</summary>
    public CoverageRecorder? Coverage { get; init; }

    /// <summary>The OS threads the simulated threads run on, shared by the exploration's iterations.</summary>
    public HostThreads Hosts { get; init; } = HostThreads.Unpooled;
}
