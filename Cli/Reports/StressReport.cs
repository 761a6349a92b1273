namespace Sim.Cli.Reports;

/// <summary>
/// What <c>sim stress --json</c> prints (format <see cref="CurrentFormat"/>): the variant, the settings, the totals,
/// and each distinct failure with the seed of its first run and the commands that follow it up. README, "sim stress",
/// describes the fields.
/// </summary>
internal sealed record StressReport
{
    /// <summary>The format tag.</summary>
    public const string CurrentFormat = "sim-stress/1";

    public string Format { get; init; } = CurrentFormat;

    public required string Scenario { get; init; }

    public required string Variant { get; init; }

    /// <summary>The expectation under exploration: <c>clean</c> or <c>bug: "fragment"</c>.</summary>
    public required string Expected { get; init; }

    public required StressSettingsRecord Settings { get; init; }

    /// <summary>True if no run failed or hung (whether or not the variant expects a bug).</summary>
    public required bool Clean { get; init; }

    /// <summary>True if Ctrl-C or SIGTERM stopped the runs before their limit.</summary>
    public required bool Interrupted { get; init; }

    public required int Runs { get; init; }

    public required int Failures { get; init; }

    public required int Hangs { get; init; }

    public required double ElapsedSeconds { get; init; }

    public required double RunsPerSecond { get; init; }

    /// <summary>OS threads created over the whole invocation.</summary>
    public required int OsThreads { get; init; }

    /// <summary>Threads of hung runs that did not stop and were left running.</summary>
    public required int AbandonedThreads { get; init; }

    /// <summary>The command that explores the variant, for a replayable trace of a bug.</summary>
    public required string ExploreCommand { get; init; }

    /// <summary>Each distinct failure, most frequent first.</summary>
    public required IReadOnlyList<StressFailureRecord> Findings { get; init; }
}

/// <summary>The settings a stress invocation ran with.</summary>
/// <param name="Runs">The run limit, or null.</param>
/// <param name="Seconds">The time limit, or null.</param>
/// <param name="HangTimeoutSeconds">The hang timeout.</param>
/// <param name="MaxHangs">The hang limit.</param>
/// <param name="Noise">The noise rate.</param>
/// <param name="Seed">The first run's seed.</param>
/// <param name="RepeatSeed">True if every run used that seed.</param>
internal sealed record StressSettingsRecord(int? Runs, double? Seconds, double HangTimeoutSeconds, int MaxHangs, double Noise, uint Seed, bool RepeatSeed);

/// <summary>One distinct failure.</summary>
/// <param name="Message">The message (a hang's is the hang message).</param>
/// <param name="Kind">failure or hang.</param>
/// <param name="Runs">Runs that hit it.</param>
/// <param name="FirstRun">The first of them (1-based).</param>
/// <param name="Seed">That run's seed.</param>
/// <param name="FirstAtSeconds">Seconds from the start to the end of that run.</param>
/// <param name="Details">That run's stack trace, or what each thread was doing when it hung; null if none.</param>
/// <param name="RerunCommand">The command that runs that seed's choices and noise again and again.</param>
internal sealed record StressFailureRecord(string Message, string Kind, int Runs, int FirstRun, uint Seed, double FirstAtSeconds, string? Details, string RerunCommand);
