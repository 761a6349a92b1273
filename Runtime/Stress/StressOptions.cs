namespace Sim.Runtime.Stress;

/// <summary>Settings of a stress run: the same program, many times, on real threads.</summary>
public sealed record StressOptions
{
    /// <summary>The noise rate of <c>sim stress</c> unless told otherwise (see <see cref="NoiseRate"/>).</summary>
    public const double DefaultNoiseRate = 0.05;

    /// <summary>Stop after this many runs; null means no limit (then <see cref="Duration"/> must be set).</summary>
    public int? Runs { get; init; }

    /// <summary>Stop after this much wall time; null means no limit (then <see cref="Runs"/> must be set).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>
    /// A run that has not finished after this long is a hang (a livelock, or a thread blocked outside the Runtime; a
    /// deadlock is detected at once). Its threads are then stopped and the next runs go on. Default 5 s.
    /// </summary>
    public TimeSpan HangTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Stop after this many hangs. Default 3.</summary>
    public int MaxHangs { get; init; } = 3;

    /// <summary>
    /// The probability, at each Runtime point (a cell access, a park, an unpark, a join, a yield), that the thread pauses
    /// there for a seeded random while (<see cref="StressNoise"/>); 0 turns the noise off. Default
    /// <see cref="DefaultNoiseRate"/>.
    /// </summary>
    public double NoiseRate { get; init; } = DefaultNoiseRate;

    /// <summary>
    /// The seed of the first run's choices and noise; run <c>k</c> uses <c>Seed + k - 1</c> (or <c>Seed</c> itself with
    /// <see cref="RepeatSeed"/>). Null draws one, which the result reports.
    /// </summary>
    public uint? Seed { get; init; }

    /// <summary>Every run uses <see cref="Seed"/>: to run a failing run's choices and noise again and again.</summary>
    public bool RepeatSeed { get; init; }

    /// <summary>How simulated threads get OS threads. Default: a pool kept across runs, and a start gate.</summary>
    public ThreadLaunch Launch { get; init; } = ThreadLaunch.Gated;

    /// <summary>Checks the settings; returns the first problem, or null.</summary>
    public string? Validate()
    {
        if (Runs is null && Duration is null)
        {
            return "give a number of runs or a duration";
        }

        if (Runs is <= 0)
        {
            return "runs must be at least 1";
        }

        if (Duration is { } d && d <= TimeSpan.Zero)
        {
            return "the duration must be positive";
        }

        if (NoiseRate is < 0 or > 1 || double.IsNaN(NoiseRate))
        {
            return "the noise rate must be from 0 to 1";
        }

        if (RepeatSeed && Seed is null)
        {
            return "repeating the seed needs a seed";
        }

        return HangTimeout <= TimeSpan.Zero ? "the hang timeout must be positive" : null;
    }

    /// <summary>The seed of the 1-based run <paramref name="run"/>, given the first run's seed.</summary>
    public uint RunSeed(uint first, int run) => RepeatSeed ? first : unchecked(first + (uint)(run - 1));
}
