namespace Sim.Runtime.Exploration;

/// <summary>
/// Every setting of one exploration. The CLI fills it from Coyote.config, then the environment, then flags
/// (see README, "Coyote.config"); tests build it directly.
/// </summary>
public sealed record ExplorationOptions
{
    /// <summary>
    /// The largest <see cref="MaxSteps"/>: Coyote counts steps in an <c>int</c>, and the fair strategies' bound is ten
    /// times this one, so it must stay within <see cref="int.MaxValue"/> (2,147,483,647).
    /// </summary>
    public const uint MaxStepsLimit = int.MaxValue / 10;

    /// <summary>The exploration strategy. Default: Coyote's portfolio.</summary>
    public Strategy Strategy { get; init; } = Strategy.Portfolio;

    /// <summary>
    /// The strategy's bound: the probability level of <see cref="Strategy.Probabilistic"/>, the priority change points of
    /// PCT, the delays of delay bounding (<see cref="StrategyRow.Bound"/>). Ignored by the others. Default 10.
    /// </summary>
    public uint StrategyBound { get; init; } = 10;

    /// <summary>How many iterations (schedules) to explore at most. Exploration stops at the first bug unless <see cref="RunToCompletion"/>.</summary>
    public uint Iterations { get; init; } = 1000;

    /// <summary>
    /// The scheduling-step bound per iteration (fair strategies get 10 times as many, as Coyote does). Reaching it is a
    /// finding: a livelock, or a spin loop that never yields to the thread it waits for.
    /// </summary>
    public uint MaxSteps { get; init; } = 10_000;

    /// <summary>The scheduling-step bound of the fair strategies: ten times <see cref="MaxSteps"/>, computed without overflow.</summary>
    public uint FairMaxSteps => (uint)Math.Min(10L * MaxSteps, int.MaxValue);

    /// <summary>The seed of the exploration's random choices; null lets Coyote pick one (and report it).</summary>
    public uint? Seed { get; init; }

    /// <summary>Stop exploring after this much wall time, even if iterations remain; null means no limit.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>How far the virtual clock advances per scheduling point, in nanoseconds. Default 100 µs.</summary>
    public long VirtualNanosPerStep { get; init; } = 100_000;

    /// <summary>
    /// Every this many yields of a spinning thread, one is fair: the spinner waits until every other runnable thread has
    /// taken a step. The others are plain scheduling points, so a strategy may starve a lock holder while a waiter spins
    /// (as a preempted holder is starved), but never forever. Must exceed the longest bounded spin of the model
    /// (<c>MAX_SPIN_COUNT</c> = 40 in <c>_PyMutex_LockTimed</c>) for the spin-then-park paths to be reachable. Default 64.
    /// </summary>
    public int YieldFairness { get; init; } = 64;

    /// <summary>
    /// How long a simulated thread may run without reaching a scheduling point before Coyote reports a hang: the sign
    /// of code blocking outside the Runtime (a BCL lock, <c>Task.Wait</c>, <c>Thread.Sleep</c>). Default 5 s.
    /// </summary>
    public TimeSpan HangTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Checks every plain-cell access with the happens-before race detector (<see cref="Races.DataRace"/>): a race is a
    /// finding even when no invariant broke. On by default; turning it off is for measuring its cost.
    /// </summary>
    public bool DetectRaces { get; init; } = true;

    /// <summary>
    /// Make every plain-cell access (<see cref="Cells.PlainCell{T}"/>) a scheduling point. Off by default: with the race
    /// detector on, plain accesses are checked but not interleaved, because a data-race-free execution behaves as one that
    /// switches threads only at synchronisation (atomics, the parking lot, start, join, yield), and an execution with a
    /// data race is reported as one (the reduction of CHESS: Musuvathi and Qadeer, PLDI 2007 and 2008). With
    /// <see cref="DetectRaces"/> off, plain accesses are always scheduling points, whatever this says, since nothing would
    /// report the races the reduction relies on. Turn it on to see a racy program's other symptoms (a lost update, a torn
    /// invariant) instead of the race, at the cost of more steps. Traces record it; a replay uses the trace's value.
    /// </summary>
    public bool PlainAccessPoints { get; init; }

    /// <summary>
    /// How many candidate schedules shrinking may run when a bug is found (<see cref="Scheduling.Shrinker"/>): it looks for
    /// a schedule with fewer preemptions and fewer steps that fails the same way. 0 turns shrinking off. Default 200.
    /// </summary>
    public uint ShrinkRuns { get; init; } = 200;

    /// <summary>
    /// How many schedules the preemption-bounded search (<see cref="Strategy.PreemptionBounded"/>) may run after an
    /// exploration with another strategy found no bug, to report the largest <c>k</c> for which every schedule with at
    /// most <c>k</c> preemptions is clean (<see cref="ExplorationResult.Bounded"/>). 0 turns it off. Default 1000.
    /// </summary>
    public uint BoundedSchedules { get; init; } = 1000;

    /// <summary>
    /// Explore all <see cref="Iterations"/> instead of stopping at the first bug, and count how many iterations failed and
    /// how (<see cref="ExplorationResult.Completion"/>). The result's bug, trace and shrinking are still those of the
    /// first failing iteration, so the same seed reports the same bug either way. Default false.
    /// </summary>
    public bool RunToCompletion { get; init; }

    /// <summary>
    /// The environment variable that turns <see cref="ReuseOsThreads"/> off by default in a process: <c>0</c>,
    /// <c>false</c> or <c>off</c> (to compare, or to rule the reuse out when something looks wrong).
    /// </summary>
    public const string ThreadReuseVariable = "SIM_THREAD_REUSE";

    /// <summary>
    /// Run the simulated threads of an exploration's iterations on OS threads kept from earlier ones, instead of creating
    /// an OS thread for each simulated thread of each iteration (its fixed cost). It changes no result: which OS thread
    /// runs a simulated thread is invisible to the program and to the schedule. It relies on private members of Coyote
    /// 1.7.11; with another Coyote, each simulated thread gets an OS thread of its own whatever this says. Default: true,
    /// unless the environment variable <see cref="ThreadReuseVariable"/> says <c>0</c>, <c>false</c> or <c>off</c>.
    /// Not recorded in traces.
    /// </summary>
    public bool ReuseOsThreads { get; init; } = ReuseByDefault();

    /// <summary>Record the schedule of every iteration (default). Off only in the benchmark that measures what recording costs.</summary>
    internal bool RecordSchedule { get; init; } = true;

    /// <summary>Checks the settings; returns the first problem, or null.</summary>
    public string? Validate()
    {
        if (StrategyRow.TryOf(Strategy) is null)
        {
            return $"strategy {(int)Strategy} is not one of {string.Join(", ", StrategyNames.All)}";
        }

        if (Iterations == 0)
        {
            return "iterations must be at least 1";
        }

        if (MaxSteps is < 10 or > MaxStepsLimit)
        {
            return $"max-steps must be from 10 to {MaxStepsLimit} (fair strategies get 10 times as many, which must fit in 2147483647)";
        }

        if (YieldFairness < 1)
        {
            return "yield fairness must be at least 1";
        }

        if (VirtualNanosPerStep <= 0)
        {
            return "the virtual clock must advance by at least 1 ns per step";
        }

        if (TimeLimit is { } t && t <= TimeSpan.Zero)
        {
            return "the time limit must be positive";
        }

        if (HangTimeout < TimeSpan.FromMilliseconds(100))
        {
            return "the hang timeout must be at least 100 ms";
        }

        return null;
    }

    private static bool ReuseByDefault() =>
        Environment.GetEnvironmentVariable(ThreadReuseVariable)?.Trim().ToLowerInvariant() is not ("0" or "false" or "off");
}
