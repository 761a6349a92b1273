namespace Sim.Runtime.Stress;

/// <summary>Settings of a stress run: the same program, many times, on real threads.</summary>
public sealed record StressOptions
{
    /// <summary>Stop after this many runs; null means no limit (then <see cref="Duration"/> must be set).</summary>
    public int? Runs { get; init; }

    /// <summary>Stop after this much wall time; null means no limit (then <see cref="Runs"/> must be set).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>A run that has not finished after this long is a hang (a deadlock or a lost wake-up). Default 5 s.</summary>
    public TimeSpan HangTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Stop after this many hangs: each one leaves its blocked threads behind. Default 3.</summary>
    public int MaxHangs { get; init; } = 3;

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

        return HangTimeout <= TimeSpan.Zero ? "the hang timeout must be positive" : null;
    }
}
