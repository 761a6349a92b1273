namespace Sim.Runtime.Stress;

/// <summary>What a stress run saw.</summary>
public sealed record StressResult
{
    /// <summary>Runs completed or ended as hangs (a run cut short by an interrupt is not counted).</summary>
    public required int Runs { get; init; }

    /// <summary>Runs in which an invariant failed, a thread threw, or the threads deadlocked.</summary>
    public required int Failures { get; init; }

    /// <summary>Runs that did not finish within the hang timeout.</summary>
    public required int Hangs { get; init; }

    /// <summary>Wall time of the whole stress run.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>The seed of the first run (run <c>k</c> used <see cref="StressOptions.RunSeed"/>).</summary>
    public required uint Seed { get; init; }

    /// <summary>Each distinct failure message, most frequent first, with the first run that hit it.</summary>
    public required IReadOnlyList<StressFinding> Findings { get; init; }

    /// <summary>True if the run was interrupted (cancelled) before its limit.</summary>
    public bool Interrupted { get; init; }

    /// <summary>Threads of hung runs that did not stop when their run was ended, and were left running.</summary>
    public int AbandonedThreads { get; init; }

    /// <summary>OS threads created over the whole stress run (the pool's, or one per simulated thread without a pool).</summary>
    public int OsThreads { get; init; }

    /// <summary>Each distinct failure message and how many runs hit it.</summary>
    public IReadOnlyDictionary<string, int> Messages => Findings.ToDictionary(f => f.Message, f => f.Runs);

    /// <summary>The first finding to happen, if any.</summary>
    public StressFinding? FirstFinding => Findings.MinBy(f => f.FirstRun);

    /// <summary>The 1-based run that failed or hung first, if any did.</summary>
    public int? FirstFailingRun => FirstFinding?.FirstRun;

    /// <summary>Wall time until the first failing run ended.</summary>
    public TimeSpan? TimeToFirstFailure => FirstFinding?.FirstAt;

    /// <summary>True if any run failed or hung.</summary>
    public bool FoundBug => Failures + Hangs > 0;
}

/// <summary>One distinct failure of a stress run.</summary>
/// <param name="Message">The failure's message (for a hang, <see cref="StressRunner.HangMessage"/>).</param>
/// <param name="Runs">How many runs failed with it.</param>
/// <param name="FirstRun">The first run that did (1-based).</param>
/// <param name="Seed">That run's seed: its choices and noise.</param>
/// <param name="FirstAt">Wall time from the start of the stress run to the end of that run.</param>
/// <param name="Details">
/// For that run: the stack trace of an exception a thread threw, or what each thread was doing when it hung; null when
/// the message says it all.
/// </param>
/// <param name="IsHang">True for a hang.</param>
public sealed record StressFinding(string Message, int Runs, int FirstRun, uint Seed, TimeSpan FirstAt, string? Details, bool IsHang);
