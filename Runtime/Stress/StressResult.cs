namespace Sim.Runtime.Stress;

/// <summary>What a stress run saw.</summary>
public sealed record StressResult
{
    /// <summary>Runs completed or abandoned.</summary>
    public required int Runs { get; init; }

    /// <summary>Runs in which an invariant failed or a thread threw.</summary>
    public required int Failures { get; init; }

    /// <summary>Runs that did not finish within the hang timeout (a deadlock or a lost wake-up).</summary>
    public required int Hangs { get; init; }

    /// <summary>Wall time of the whole stress run.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Each distinct failure message and how many runs hit it.</summary>
    public required IReadOnlyDictionary<string, int> Messages { get; init; }

    /// <summary>The 1-based run that failed or hung first, if any did.</summary>
    public int? FirstFailingRun { get; init; }

    /// <summary>Wall time until the first failing run ended.</summary>
    public TimeSpan? TimeToFirstFailure { get; init; }

    /// <summary>True if any run failed or hung.</summary>
    public bool FoundBug => Failures + Hangs > 0;
}
