using System.Globalization;
using Sim.Runtime.Exploration;
using static Sim.Cli.Configuration.SettingParsers;

namespace Sim.Cli.Configuration;

/// <summary>
/// Every setting the tool reads from Coyote.config, <c>SIM_*</c> variables and flags, in file order. README,
/// "Coyote.config", documents the same list; a test checks that the two agree.
/// </summary>
internal static class SettingFields
{
    /// <summary>All fields.</summary>
    public static IReadOnlyList<SettingField> All { get; } =
    [
        new("strategy", JsonShape.String, $"one of {string.Join(", ", StrategyNames.All)} (or {string.Join(", ", StrategyNames.Aliases)})",
            "The exploration strategy.",
            s => s.Strategy.Name(),
            (s, v) => s with { Strategy = Strategy(v.Text) }) { Choices = [.. StrategyNames.All, .. StrategyNames.Aliases] },
        new("strategyBound", JsonShape.Number, "a whole number from 1 to 1000000",
            "The strategy's bound: priority change points (prioritization), delays (delay-bounding), the probability level (probabilistic).",
            s => Show(s.StrategyBound),
            (s, v) => s with { StrategyBound = (uint)WholeNumber(v.Text, 1, 1_000_000) }),
        new("iterations", JsonShape.Number, "a whole number from 1 to 4294967295",
            "Schedules to explore per variant at most; exploration stops at the first bug.",
            s => Show(s.Iterations),
            (s, v) => s with { Iterations = (uint)WholeNumber(v.Text, 1, uint.MaxValue) }),
        new("maxSteps", JsonShape.Number, "a whole number from 10 to 4294967295",
            "Scheduling steps per iteration before it is reported as a livelock (fair strategies get 10 times as many).",
            s => Show(s.MaxSteps),
            (s, v) => s with { MaxSteps = (uint)WholeNumber(v.Text, 10, uint.MaxValue) }),
        new("seed", JsonShape.NumberOrString, "a whole number from 0 to 4294967295, or \"random\"",
            "The seed of the exploration's random choices; \"random\" (or null) draws one per run and reports it.",
            s => s.Seed is { } seed ? Show(seed) : "random",
            (s, v) => s with { Seed = Seed(v.Text) }),
        new("timeLimitSeconds", JsonShape.Number, "a positive number of seconds, or null (none)",
            "Wall-time limit of one variant's exploration; null means none (the iterations bound it).",
            s => s.TimeLimitSeconds is { } t ? Show(t) : "none",
            (s, v) => s with { TimeLimitSeconds = v.Text is null ? null : Seconds(v.Text, 0) }),
        new("virtualNanosPerStep", JsonShape.Number, "a whole number of nanoseconds from 1 to 1000000000000",
            "How far the virtual clock advances per scheduling point (timed waits use it).",
            s => Show(s.VirtualNanosPerStep),
            (s, v) => s with { VirtualNanosPerStep = WholeNumber(v.Text, 1, 1_000_000_000_000) }),
        new("yieldFairness", JsonShape.Number, "a whole number from 1 to 1000000",
            "Every this many yields of a spinning thread, one waits for every other runnable thread to take a step.",
            s => Show(s.YieldFairness),
            (s, v) => s with { YieldFairness = (int)WholeNumber(v.Text, 1, 1_000_000) }),
        new("hangTimeoutSeconds", JsonShape.Number, "a number of seconds of at least 0.1",
            "How long a simulated thread may run without a scheduling point before it counts as blocked outside the Runtime (a scenario error).",
            s => Show(s.HangTimeoutSeconds),
            (s, v) => s with { HangTimeoutSeconds = Seconds(v.Text, 0.1) }),
        new("outputDirectory", JsonShape.String, "a folder path",
            "Where traces (traces/) and hunt reports (hunt.json, hunt.junit.xml) go; relative to Coyote.config's folder when set there, else to the current folder.",
            s => s.OutputDirectory,
            (s, v) => s with { OutputDirectory = Directory(v) }),
        new("stress.runs", JsonShape.Number, "a whole number from 1 to 2147483647, or null (no run limit)",
            "Runs of a stress invocation; null means only stress.seconds limits it.",
            s => s.StressRuns is { } r ? Show(r) : "none",
            (s, v) => s with { StressRuns = v.Text is null ? null : (int)WholeNumber(v.Text, 1, int.MaxValue) }),
        new("stress.seconds", JsonShape.Number, "a positive number of seconds, or null (no time limit)",
            "Wall time of a stress invocation; null means only stress.runs limits it. When both are set, the first reached stops.",
            s => s.StressSeconds is { } t ? Show(t) : "none",
            (s, v) => s with { StressSeconds = v.Text is null ? null : Seconds(v.Text, 0) }),
        new("stress.hangTimeoutSeconds", JsonShape.Number, "a positive number of seconds",
            "A stress run that has not finished after this long is a hang (a livelock, or a thread blocked outside the Runtime; a deadlock is reported at once).",
            s => Show(s.StressHangTimeoutSeconds),
            (s, v) => s with { StressHangTimeoutSeconds = Seconds(v.Text, 0) }),
        new("stress.maxHangs", JsonShape.Number, "a whole number from 1 to 1000",
            "Stop a stress invocation after this many hangs (a hung run is ended, its threads stopped, and the next runs go on; each hang costs the hang timeout).",
            s => Show(s.StressMaxHangs),
            (s, v) => s with { StressMaxHangs = (int)WholeNumber(v.Text, 1, 1000) }),
        new("stress.noise", JsonShape.Number, "a number from 0 to 1",
            "The probability of a seeded pause (a yield or a short spin) at each Runtime point of a stress run, so that narrow windows get hit; 0 turns the noise off.",
            s => Show(s.StressNoise),
            (s, v) => s with { StressNoise = Fraction(v.Text) }),
        new("stress.seed", JsonShape.NumberOrString, "a whole number from 0 to 4294967295, or \"random\"",
            "The seed of the first stress run's choices and noise (run k uses seed + k - 1); \"random\" (or null) draws one and reports it.",
            s => s.StressSeed is { } seed ? Show(seed) : "random",
            (s, v) => s with { StressSeed = Seed(v.Text) }),
    ];

    /// <summary>The field with this key, or null.</summary>
    public static SettingField? Find(string key) => All.FirstOrDefault(f => f.Key == key);

    /// <summary>The field with this key; throws if there is none (a programming error).</summary>
    public static SettingField Get(string key) => Find(key) ?? throw new ArgumentException($"no setting {key}", nameof(key));

    private static string Show(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
