using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BenchmarkDotNet.Validators;
using Perfolizer.Horology;

namespace Sim.Bench.Production;

/// <summary>
/// Runs the production-mode microbenchmarks with BenchmarkDotNet and pairs each of ours with its baseline from the
/// same run.
/// </summary>
internal static class ProductionBenchmark
{
    /// <summary>The comparisons reported, with the targets (ours / baseline, mean time per operation).</summary>
    public static IReadOnlyList<Comparison> Comparisons { get; } =
    [
        new("PyMutex Lock+Unlock, uncontended", nameof(LockBenchmarks.PyMutex_LockUnlock), "System.Threading.Lock Enter+Exit", nameof(LockBenchmarks.Lock_EnterExit), 2.0),
        new("AtomicInt.FetchAdd", nameof(CellBenchmarks.AtomicInt_FetchAdd), "Interlocked.Add(ref int)", nameof(CellBenchmarks.Interlocked_Add_Int), 1.5),
        new("AtomicLong.FetchAdd", nameof(CellBenchmarks.AtomicLong_FetchAdd), "Interlocked.Add(ref long)", nameof(CellBenchmarks.Interlocked_Add_Long), null),
        new("AtomicInt.Load(Relaxed)", nameof(CellBenchmarks.AtomicInt_Load), "Volatile.Read(ref int)", nameof(CellBenchmarks.Volatile_Read_Int), null),
        new("PlainCell<int> Read+Write", nameof(CellBenchmarks.PlainCell_ReadWrite), "int field read+write", nameof(CellBenchmarks.Field_ReadWrite), null),
    ];

    /// <summary>What PyMutex's fast path is made of, each against the raw CAS pair.</summary>
    public static IReadOnlyList<Comparison> LockParts { get; } =
    [
        new("AtomicInt CAS pair (PyMutex without operation names)", nameof(LockBenchmarks.AtomicInt_CasPair), "Interlocked.CompareExchange pair", nameof(LockBenchmarks.Raw_CasPair), null),
        new("rt.Enter($\"function(target)\"), x2 (as PyMutex names its operations)", nameof(LockBenchmarks.Enter_InterpolatedNames), "Interlocked.CompareExchange pair", nameof(LockBenchmarks.Raw_CasPair), null),
    ];

    /// <summary>Why <c>AtomicInt.FetchAdd</c> costs what it costs: the same add behind one call, and with the controlled path split off.</summary>
    public static IReadOnlyList<Comparison> AtomicParts { get; } =
    [
        new("Interlocked.Add behind one call the JIT may not inline", nameof(CellBenchmarks.Interlocked_Add_Int_NotInlined), "Interlocked.Add(ref int)", nameof(CellBenchmarks.Interlocked_Add_Int), null),
    ];

    /// <summary>Our Runtime's own work per access in controlled mode, outside Coyote's scheduler.</summary>
    public static IReadOnlyList<Comparison> ControlledStep { get; } =
    [
        new("controlled AtomicInt.FetchAdd, outside an iteration (ours per step, without Coyote's scheduler)", nameof(ControlledStepBenchmarks.ControlledAtomicInt_FetchAdd),
            "SchedulingPoint.Interleave + Interlocked.Increment, outside an iteration", nameof(ControlledStepBenchmarks.Interleave_Increment), null),
        new("controlled PlainCell.Write with the race detector on, outside an iteration", nameof(ControlledStepBenchmarks.ControlledPlainCell_Write_RacesChecked),
            "the same with the race detector off", nameof(ControlledStepBenchmarks.ControlledPlainCell_Write_RacesNotChecked), null),
    ];

    /// <summary>Runs every benchmark (or those whose method name contains <paramref name="filter"/>); throws
    /// <see cref="HarnessException"/> if one did not produce a result.</summary>
    public static ProductionFigures Run(bool quick, string? filter, TextWriter log)
    {
        var job = JobFor(quick);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(MarkdownExporter.Console)
            .AddValidator(JitOptimizationsValidator.FailOnError, ExecutionValidator.FailOnError)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "sim-bench-artifacts"))
            .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);
        if (filter is not null)
        {
            config = config.AddFilter(new NameFilter(name => name.Contains(filter, StringComparison.OrdinalIgnoreCase)));
        }

        var summaries = BenchmarkRunner.Run([typeof(LockBenchmarks), typeof(CellBenchmarks), typeof(ControlledStepBenchmarks)], config);
        var results = new Dictionary<string, Measurement>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var summary in summaries)
        {
            problems.AddRange(summary.ValidationErrors.Where(e => e.IsCritical).Select(e => e.Message));
            foreach (var report in summary.Reports)
            {
                var name = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
                if (report.ResultStatistics is not { } stats || !report.Success)
                {
                    problems.Add($"{name}: no result");
                    continue;
                }

                results[name] = new Measurement(stats.Mean, stats.StandardError, stats.N,
                    report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase));
            }
        }

        foreach (var c in filter is null ? Comparisons.Concat(LockParts).Concat(AtomicParts).Concat(ControlledStep) : [])
        {
            foreach (var name in new[] { c.OursMethod, c.BaselineMethod })
            {
                if (!results.ContainsKey(name))
                {
                    problems.Add($"{name}: not measured");
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new HarnessException("BenchmarkDotNet: " + string.Join("; ", problems.Distinct()));
        }

        log.WriteLine($"  {results.Count} benchmarks measured");
        return new ProductionFigures(Describe(job, quick), results);
    }

    private static Job JobFor(bool quick)
    {
        var job = quick
            ? Job.Default.WithWarmupCount(4).WithIterationCount(3).WithIterationTime(TimeInterval.FromMilliseconds(50))
            : Job.Default.WithWarmupCount(10).WithIterationCount(15).WithIterationTime(TimeInterval.FromMilliseconds(250));
        return job.WithToolchain(InProcessEmitToolchain.Instance).WithId(quick ? "quick" : "bench");
    }

    private static string Describe(Job job, bool quick) => quick
        ? "quick smoke job: in-process (InProcessEmitToolchain), 4 warm-up and 3 measured iterations of 50 ms: not a measurement"
        : $"in-process (InProcessEmitToolchain), {job.Run.WarmupCount} warm-up and {job.Run.IterationCount} measured iterations of " +
          $"{job.Run.IterationTime.ToMilliseconds():0} ms each (MediumRun's counts, one launch), Release build";
}

/// <summary>One comparison of ours against a baseline.</summary>
/// <param name="Ours">What ours is.</param>
/// <param name="OursMethod">Our benchmark method.</param>
/// <param name="Baseline">What the baseline is.</param>
/// <param name="BaselineMethod">The baseline's benchmark method.</param>
/// <param name="Target">The largest ratio ours / baseline the issue accepts; null if it sets none.</param>
internal sealed record Comparison(string Ours, string OursMethod, string Baseline, string BaselineMethod, double? Target);

/// <summary>One benchmark's result.</summary>
/// <param name="MeanNanos">Mean time per operation, ns.</param>
/// <param name="StandardErrorNanos">Standard error of the mean, ns.</param>
/// <param name="Iterations">Measured iterations.</param>
/// <param name="AllocatedBytes">Bytes allocated per operation, if measured.</param>
internal sealed record Measurement(double MeanNanos, double StandardErrorNanos, int Iterations, long? AllocatedBytes);

/// <summary>What the production benchmark measured.</summary>
/// <param name="Job">How BenchmarkDotNet ran.</param>
/// <param name="Results">Each benchmark method's result.</param>
internal sealed record ProductionFigures(string Job, IReadOnlyDictionary<string, Measurement> Results)
{
    /// <summary>True if both sides of the comparison were measured (a <c>--filter</c> run measures some only).</summary>
    public bool Has(Comparison c) => Results.ContainsKey(c.OursMethod) && Results.ContainsKey(c.BaselineMethod);

    /// <summary>Ours / baseline for a comparison.</summary>
    public double Ratio(Comparison c) => Results[c.OursMethod].MeanNanos / Results[c.BaselineMethod].MeanNanos;
}
