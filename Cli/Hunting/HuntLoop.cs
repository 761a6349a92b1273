using System.Diagnostics;
using Sim.Cli.Configuration;
using Sim.Cli.Reports;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Catalog;

namespace Sim.Cli.Hunting;

/// <summary>
/// The hunt itself, without a console: for each variant of the plan, explore it, judge it against its expectation, save
/// the trace of a bug, and append an entry to the reports, which are rewritten on disk after every variant (and once
/// before the first, replacing a previous run's and checking the folder can be written). Whatever stops the hunt, the
/// reports hold every variant that finished. <c>sim hunt</c> runs it under a view; the corpus test runs it directly.
/// </summary>
internal static class HuntLoop
{
    /// <summary>Hunts <paramref name="plan"/>; returns the final report (also on disk).</summary>
    public static HuntReport Run(HuntPlan plan, IHuntProgress progress)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(progress);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var files = new HuntReportFiles(plan.OutputDirectory);
        var entries = new List<HuntEntry>();
        var report = Report(plan, started, clock.Elapsed, entries);
        files.Write(report);
        for (var i = 0; i < plan.Variants.Count; i++)
        {
            progress.VariantStarting(i, plan.Variants[i]);
            var entry = HuntOne(plan.Variants[i], plan.Options, plan.OutputDirectory, progress.IterationStarting);
            entries.Add(entry);
            report = Report(plan, started, clock.Elapsed, entries);
            files.Write(report);
            progress.VariantFinished(i, entry);
        }

        return report;
    }

    /// <summary>
    /// The report of the entries so far: it counts the plan's variants in <c>total</c>, so that a report of a hunt that
    /// has not finished has fewer results than its total and does not say it passed.
    /// </summary>
    private static HuntReport Report(HuntPlan plan, DateTimeOffset started, TimeSpan elapsed, List<HuntEntry> entries) => new()
    {
        Tool = ToolInfo.NameAndVersion,
        StartedAt = started,
        ElapsedSeconds = elapsed.TotalSeconds,
        ConfigFile = plan.ConfigFile,
        Settings = RecordedSettings.Of(plan.Options),
        Shard = plan.Shard.ToString(),
        Passed = entries.Count == plan.Variants.Count && entries.All(e => e.Verdict == VerdictKind.Met),
        Total = plan.Variants.Count,
        Met = entries.Count(e => e.Verdict == VerdictKind.Met),
        NotMet = entries.Count(e => e.Verdict == VerdictKind.NotMet),
        Errors = entries.Count(e => e.Verdict == VerdictKind.Error),
        Results = [.. entries],
    };

    /// <summary>Explores one variant, judges it, saves the trace of a bug under <paramref name="outputDirectory"/>: its report entry.</summary>
    public static HuntEntry HuntOne(VariantRef target, ExplorationOptions options, string outputDirectory, Action<int>? onIteration = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        var result = VariantExploration.Run(target, options, onIteration);
        var verdict = Verdict.Judge(target.Variant.Expected, result, options.Iterations);
        var trace = VariantExploration.SaveTrace(target, options, result, outputDirectory);
        return new HuntEntry(
            target.Scenario.Name,
            target.Variant.Name,
            target.Variant.Expected.ToString(),
            target.Variant.Expected.ExpectsBug,
            result.Outcome,
            result.Kind,
            result.Message,
            verdict.Kind,
            verdict.Explanation,
            result.Iterations,
            result.SchedulingSteps,
            result.Elapsed.TotalSeconds,
            result.Strategy,
            trace is null ? null : Path.GetRelativePath(outputDirectory, trace).Replace('\\', '/'),
            HuntShrink.Of(result.Shrink),
            result.Outcome == Outcome.Clean ? HuntBounded.Of(result.Bounded) : null);
    }
}
