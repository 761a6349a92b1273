using Sim.Runtime.Exploration;
using Sim.Runtime.Stress;
using static Sim.Cli.Configuration.SettingTypes;

namespace Sim.Cli.Configuration;

/// <summary>
/// Every setting the tool reads from Coyote.config, <c>SIM_*</c> variables and flags, in file order, one row each. README,
/// "Coyote.config", and the repository's Coyote.config document the same list; tests check that they agree.
/// </summary>
internal static class SettingFields
{
    /// <summary>All fields.</summary>
    public static IReadOnlyList<SettingField> All { get; } =
    [
        Exploration("strategy", "--strategy", SettingTypes.Strategy,
            "The exploration strategy.",
            o => o.Strategy, (o, v) => o with { Strategy = v }),
        Exploration("strategyBound", "--strategy-bound", Whole(1, 1_000_000),
            "The strategy's bound: priority change points (prioritization), delays (delay-bounding), the probability level (probabilistic).",
            o => o.StrategyBound, (o, v) => o with { StrategyBound = (uint)v }),
        Exploration("iterations", "--iterations", Whole(1, uint.MaxValue),
            "Schedules to explore per variant at most; exploration stops at the first bug.",
            o => o.Iterations, (o, v) => o with { Iterations = (uint)v }),
        Exploration("runToCompletion", "--run-to-completion", Switch,
            "Explore all the iterations instead of stopping at the first bug, and report how many failed and with which distinct findings (the first bug is still the one traced).",
            o => o.RunToCompletion, (o, v) => o with { RunToCompletion = v }),
        Exploration("maxSteps", "--max-steps", Whole(10, ExplorationOptions.MaxStepsLimit),
            "Scheduling steps per iteration before it is reported as a livelock (fair strategies get 10 times as many).",
            o => o.MaxSteps, (o, v) => o with { MaxSteps = (uint)v }),
        Exploration("seed", "--seed", Seed,
            "The seed of the exploration's random choices; \"random\" (or null) draws one per run and reports it.",
            o => o.Seed, (o, v) => o with { Seed = v }),
        Exploration("timeLimitSeconds", "--time-limit", SecondsOrNone("none"),
            "Wall-time limit of one variant's exploration; null means none (the iterations bound it).",
            o => o.TimeLimit?.TotalSeconds, (o, v) => o with { TimeLimit = v is { } s ? TimeSpan.FromSeconds(s) : null }),
        Exploration("virtualNanosPerStep", "--virtual-nanos-per-step", Whole(1, 1_000_000_000_000, "of nanoseconds", "NS"),
            "How far the virtual clock advances per scheduling point (timed waits use it).",
            o => o.VirtualNanosPerStep, (o, v) => o with { VirtualNanosPerStep = v }),
        Exploration("yieldFairness", "--yield-fairness", Whole(1, 1_000_000),
            "Every this many yields of a spinning thread, one waits for every other runnable thread to take a step.",
            o => o.YieldFairness, (o, v) => o with { YieldFairness = (int)v }),
        Exploration("hangTimeoutSeconds", "--hang-timeout", Seconds(0.1),
            "How long a simulated thread may run without a scheduling point before it counts as blocked outside the Runtime (a scenario error).",
            o => o.HangTimeout.TotalSeconds, (o, v) => o with { HangTimeout = TimeSpan.FromSeconds(v) }),
        Exploration("plainAccessPoints", "--plain-access-points", Switch,
            "Make every plain-cell access a scheduling point; by default only synchronisation is one and the race detector checks plain accesses (with it off, plain accesses are always points).",
            o => o.PlainAccessPoints, (o, v) => o with { PlainAccessPoints = v }),
        Exploration("shrinkRuns", "--shrink-runs", Whole(0, 1_000_000),
            "Candidate schedules shrinking may run when a bug is found, looking for fewer preemptions and steps that fail the same way; 0 turns shrinking off.",
            o => o.ShrinkRuns, (o, v) => o with { ShrinkRuns = (uint)v }),
        Exploration("boundedSchedules", "--bounded-schedules", Whole(0, uint.MaxValue),
            "Schedules the preemption-bounded search may run after an exploration found no bug, to report the largest k such that every schedule with at most k preemptions is clean; 0 turns it off.",
            o => o.BoundedSchedules, (o, v) => o with { BoundedSchedules = (uint)v }),
        SettingField.Create("outputDirectory", SettingScope.Output, "--output", Folder,
            "Where traces (traces/) and hunt reports (hunt.json, hunt.junit.xml) go; relative to Coyote.config's folder when set there, else to the current folder.",
            s => s.OutputDirectory, (s, v) => s with { OutputDirectory = v }),
        Stress("stress.runs", "--runs", WholeOrNone(1, int.MaxValue, "no run limit"),
            "Runs of a stress invocation; null means only stress.seconds limits it.",
            o => o.Runs, (o, v) => o with { Runs = (int?)v }, flagClears: "stress.seconds"),
        Stress("stress.seconds", "--seconds", SecondsOrNone("no time limit"),
            "Wall time of a stress invocation; null means only stress.runs limits it. When both are set, the first reached stops.",
            o => o.Duration?.TotalSeconds, (o, v) => o with { Duration = v is { } s ? TimeSpan.FromSeconds(s) : null }, flagClears: "stress.runs"),
        Stress("stress.hangTimeoutSeconds", "--hang-timeout", Seconds(0),
            "A stress run that has not finished after this long is a hang (a livelock, or a thread blocked outside the Runtime; a deadlock is reported at once).",
            o => o.HangTimeout.TotalSeconds, (o, v) => o with { HangTimeout = TimeSpan.FromSeconds(v) }),
        Stress("stress.maxHangs", "--max-hangs", Whole(1, 1000),
            "Stop a stress invocation after this many hangs (a hung run is ended, its threads stopped, and the next runs go on; each hang costs the hang timeout).",
            o => o.MaxHangs, (o, v) => o with { MaxHangs = (int)v }),
        Stress("stress.noise", "--noise", Fraction,
            "The probability of a seeded pause (a yield or a short spin) at each Runtime point of a stress run, so that narrow windows get hit; 0 turns the noise off.",
            o => o.NoiseRate, (o, v) => o with { NoiseRate = v }),
        Stress("stress.seed", "--seed", Seed,
            "The seed of the first stress run's choices and noise (run k uses seed + k - 1); \"random\" (or null) draws one and reports it.",
            o => o.Seed, (o, v) => o with { Seed = v }),
    ];

    /// <summary>The fields traces and reports record (<see cref="SettingScope.Exploration"/>), in file order.</summary>
    public static IReadOnlyList<SettingField> Recorded { get; } = [.. All.Where(f => f.IsRecorded)];

    /// <summary>The field with this key, or null.</summary>
    public static SettingField? Find(string key) => All.FirstOrDefault(f => f.Key == key);

    /// <summary>The field with this key; throws if there is none (a programming error).</summary>
    public static SettingField Get(string key) => Find(key) ?? throw new ArgumentException($"no setting {key}", nameof(key));

    private static SettingField Exploration<T>(string key, string flag, SettingType<T> type, string description,
        Func<ExplorationOptions, T> get, Func<ExplorationOptions, T, ExplorationOptions> set) =>
        SettingField.Create(key, SettingScope.Exploration, flag, type, description, s => get(s.Exploration), (s, v) => s with { Exploration = set(s.Exploration, v) });

    private static SettingField Stress<T>(string key, string flag, SettingType<T> type, string description,
        Func<StressOptions, T> get, Func<StressOptions, T, StressOptions> set, string? flagClears = null) =>
        SettingField.Create(key, SettingScope.Stress, flag, type, description, s => get(s.Stress), (s, v) => s with { Stress = set(s.Stress, v) }, flagClears);
}
