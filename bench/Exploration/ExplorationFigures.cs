namespace Sim.Bench.Exploration;

/// <summary>What the exploration benchmark measured.</summary>
/// <param name="Rounds">Measured runs per side and workload.</param>
/// <param name="Sanity">What the sanity check established.</param>
/// <param name="Workloads">One entry per workload.</param>
internal sealed record ExplorationFigures(int Rounds, string Sanity, IReadOnlyList<WorkloadFigures> Workloads);

/// <summary>One workload's runs on both sides.</summary>
/// <param name="Workload">The workload.</param>
/// <param name="Iterations">Iterations per run.</param>
/// <param name="Ours">Our Runtime's runs.</param>
/// <param name="Baseline">The Operation API baseline's runs.</param>
internal sealed record WorkloadFigures(Workload Workload, int Iterations, SideFigures Ours, SideFigures Baseline)
{
    /// <summary>Our Runtime's runs with the race detector off (<c>ExplorationOptions.DetectRaces = false</c>), in the same rounds.</summary>
    public required SideFigures OursWithoutRaces { get; init; }

    /// <summary>What the race detector costs: our cost per step with it over our cost per step without it, the median of the rounds' ratios.</summary>
    public double DetectorCostRatio => Median(DetectorRounds);

    /// <summary>The race detector's cost ratio of each round.</summary>
    public IReadOnlyList<double> DetectorRounds => PerRound(OursWithoutRaces);

    /// <summary>Our Runtime's runs with the schedule recorder off (<c>ExplorationOptions.RecordSchedule</c>), in the same rounds.</summary>
    public required SideFigures Unrecorded { get; init; }

    /// <summary>What the schedule recorder costs: our cost per step with it over without it, the median of the rounds' ratios.</summary>
    public double RecorderRatio => Median(RecorderRounds);

    /// <summary>The recorder's cost ratio of each round.</summary>
    public IReadOnlyList<double> RecorderRounds => PerRound(Unrecorded);

    /// <summary>
    /// Our Runtime's runs with a new OS thread for each simulated thread (<c>ExplorationOptions.ReuseOsThreads = false</c>),
    /// in the same rounds.
    /// </summary>
    public required SideFigures Unpooled { get; init; }

    /// <summary>What reusing OS threads across iterations saves: our cost per step with it over without it, the median of the rounds' ratios.</summary>
    public double ReuseRatio => Median(ReuseRounds);

    /// <summary>The reuse's cost ratio of each round.</summary>
    public IReadOnlyList<double> ReuseRounds => PerRound(Unpooled);

    /// <summary>
    /// The headline: our cost per Coyote step over the baseline's, round by round, and the median of those. A round's two
    /// runs are adjacent in time, so a change in the machine's load between rounds cancels out of the round's ratio.
    /// </summary>
    public double CostPerStepRatio => Median(RoundRatios);

    /// <summary>Our cost per step over the baseline's, each side at its own median run (load changes do not cancel here).</summary>
    public double RatioOfMedians => Ours.MedianNanosPerStep / Baseline.MedianNanosPerStep;

    /// <summary>The cost-per-step ratio of each round: its spread shows the noise.</summary>
    public IReadOnlyList<double> RoundRatios => PerRound(Baseline);

    /// <summary>True if the ratio meets the target; null for a diagnostic workload, which has none.</summary>
    public bool? MeetsTarget => Workload.HasTarget ? CostPerStepRatio <= ExplorationBenchmark.Target : null;

    /// <summary>The median of some values (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        var n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>Our cost per step over <paramref name="other"/>'s, round by round.</summary>
    private IReadOnlyList<double> PerRound(SideFigures other) =>
    [
        .. Ours.Runs.Zip(other.Runs, (o, b) => (o.TotalNanoseconds / Ours.CoyoteSteps) / (b.TotalNanoseconds / other.CoyoteSteps)),
    ];

    /// <summary>Iterations per second at the median run.</summary>
    public double IterationsPerSecond(SideFigures side) => Iterations / side.Median.TotalSeconds;
}

/// <summary>One side's runs of one workload.</summary>
/// <param name="CoyoteSteps">Coyote's scheduling steps per run (the same every run: fixed seed).</param>
/// <param name="RuntimeSteps">Our Runtime's own scheduling points per run, for our side.</param>
/// <param name="Runs">The wall time of each measured run.</param>
internal sealed record SideFigures(long CoyoteSteps, long? RuntimeSteps, IReadOnlyList<TimeSpan> Runs)
{
    /// <summary>The median run's wall time.</summary>
    public TimeSpan Median => TimeSpan.FromTicks((long)WorkloadFigures.Median([.. Runs.Select(r => (double)r.Ticks)]));

    /// <summary>Coyote steps per second at the median run.</summary>
    public double StepsPerSecond => CoyoteSteps / Median.TotalSeconds;

    /// <summary>Wall time per Coyote step at the median run, in nanoseconds.</summary>
    public double MedianNanosPerStep => Median.TotalNanoseconds / CoyoteSteps;
}
