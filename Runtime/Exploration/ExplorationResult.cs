using Sim.Runtime.Scheduling;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Exploration;

/// <summary>How an exploration or a replay ended.</summary>
public enum Outcome
{
    /// <summary>No bug in any explored schedule.</summary>
    Clean,

    /// <summary>A schedule broke an invariant, threw, deadlocked or livelocked.</summary>
    BugFound,

    /// <summary>The program escaped the Runtime's control (a Task, the thread pool, a BCL lock): an error of the scenario, not a finding.</summary>
    ScenarioError,

    /// <summary>A replayed schedule does not fit the program: it belongs to another program, or the program changed (the message says where).</summary>
    ReplayFailed,
}

/// <summary>What kind of bug was found.</summary>
public enum FindingKind
{
    /// <summary>An invariant check failed (<see cref="SimRuntime.Check"/>, <see cref="SimRuntime.Fail"/>).</summary>
    Assertion,

    /// <summary>An exception escaped a simulated thread's body.</summary>
    Exception,

    /// <summary>Every thread was blocked (Coyote found no operation it could schedule).</summary>
    Deadlock,

    /// <summary>The scheduling-step bound was reached: a livelock, or a spin loop that never lets its awaited thread run.</summary>
    Livelock,
}

/// <summary>The result of <see cref="Explorer.Explore"/> or <see cref="Explorer.Replay"/>.</summary>
public sealed record ExplorationResult
{
    /// <summary>How it ended.</summary>
    public required Outcome Outcome { get; init; }

    /// <summary>The kind of bug, when one was found.</summary>
    public FindingKind? Kind { get; init; }

    /// <summary>The bug's message (or the scenario error's, or why a replay failed).</summary>
    public string? Message { get; init; }

    /// <summary>
    /// Iterations run, including the one that found the bug. When the preemption-bounded search that follows a clean
    /// exploration found the bug, its schedules count too; when it found none, they are in <see cref="Bounded"/> only.
    /// </summary>
    public required int Iterations { get; init; }

    /// <summary>
    /// Scheduling points taken over all iterations run: the points at which another thread could have been scheduled
    /// (shared accesses, parks, unparks, joins, yields that stepped aside). Notes that are not scheduling points (a
    /// park's outcome, a controlled choice, a thread start) appear in <see cref="Steps"/> but are not counted here.
    /// </summary>
    public required long SchedulingSteps { get; init; }

    /// <summary>Coyote's own count of the scheduling steps it explored (fair and unfair), over all iterations run.</summary>
    public long CoyoteSteps { get; init; }

    /// <summary>Scheduling points taken in the iteration that found the bug (fewer than <see cref="Steps"/> has entries: see <see cref="SchedulingSteps"/>).</summary>
    public long BugIterationSteps { get; init; }

    /// <summary>Wall time of the exploration.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>The strategy, as Coyote described it.</summary>
    public required string Strategy { get; init; }

    /// <summary>
    /// The schedule record of the failing iteration (the shrunk one, when shrinking made it smaller), or of the last
    /// iteration run: what <see cref="Explorer.Replay"/> replays.
    /// </summary>
    public ScheduleRecord? Schedule { get; init; }

    /// <summary>What shrinking did to the failing schedule, when it ran.</summary>
    public ShrinkReport? Shrink { get; init; }

    /// <summary>What the preemption-bounded search covered, when it ran and found no bug.</summary>
    public BoundedCoverage? Bounded { get; init; }

    /// <summary>The failing iteration's steps: which thread did what, in order.</summary>
    public IReadOnlyList<TraceStep> Steps { get; init; } = [];

    /// <summary>Coyote's own report of the failing iteration, verbatim (what the deadlock and step-bound findings are read from).</summary>
    internal string? EngineReport { get; init; }

    /// <summary>True if a bug was found.</summary>
    public bool FoundBug => Outcome == Outcome.BugFound;
}
