using System.Diagnostics;
using Sim.Cli.Configuration;
using Sim.Cli.Loading;
using Sim.Cli.Reports;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Catalog;

namespace Sim.Cli.Hunting;

/// <summary>
/// The hunt itself, without a console: for each variant of the plan, explore it, judge it against its expectation, save
/// the trace of a bug, and append an entry to the reports, which are rewritten on disk after every variant (and once
/// before the first, replacing a previous run's). The output folder is locked for the hunt (<see cref="OutputLock"/>),
/// which also checks that it can be written before anything is explored. Variants run in this process one after
/// another, or side by side in worker processes (<see cref="HuntPlan.Jobs"/>, <see cref="HuntWorkers"/>), or each as
/// slices of its iterations side by side in the workers, joined back into one entry
/// (<see cref="HuntPlan.SplitsIterations"/>, <see cref="SliceJoin"/>). An interrupt, the hunt's time limit or an error
/// of the tool stops the variants in progress; the reports then hold every variant that finished. <c>sim hunt</c> runs
/// it under a view; the corpus test runs it directly.
/// </summary>
internal static class HuntLoop
{
    /// <summary>Hunts <paramref name="plan"/>; returns the final report (also on disk).</summary>
    /// <param name="plan">What to hunt.</param>
    /// <param name="progress">Told as variants start and finish (one call at a time, even with worker processes).</param>
    /// <param name="held">The output folder's lock, if the caller took it already (<see cref="Prepare"/>); else the loop takes it.</param>
    /// <param name="interrupt">Ctrl-C or SIGTERM: stops the hunt; the report says it was interrupted.</param>
    public static HuntReport Run(HuntPlan plan, IHuntProgress progress, OutputLock? held = null, CancellationToken interrupt = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(progress);
        using var hold = held is null ? Prepare(plan) : null;
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var files = new HuntReportFiles(plan.OutputDirectory);

        var entries = new HuntEntry?[plan.Variants.Count];
        var gate = new Lock();
        var toolFailed = false;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
        if (plan.TimeLimit is { } limit)
        {
            stop.CancelAfter(limit);
        }

        HuntReport Current() => Report(plan, started, clock.Elapsed, entries, interrupt.IsCancellationRequested,
            timeLimitReached: stop.IsCancellationRequested && !interrupt.IsCancellationRequested && !toolFailed);

        files.Write(Current());
        var events = new HuntEvents(
            task =>
            {
                lock (gate)
                {
                    progress.VariantStarting(task.Index, task.Variant);
                }
            },
            (task, iteration) =>
            {
                lock (gate)
                {
                    progress.IterationStarting(task.Index, iteration);
                }
            },
            (task, entry) =>
            {
                lock (gate)
                {
                    entries[task.Index] = entry;
                    files.Write(Current());
                    progress.VariantFinished(task.Index, entry);
                    if (entry.Outcome == Outcome.ToolError)
                    {
                        toolFailed = true;
                        stop.Cancel();
                    }
                }
            });

        var tasks = Enumerable.Range(0, plan.Variants.Count).Select(plan.Task).ToList();
        if (plan.SplitsIterations)
        {
            var join = new SliceJoin(plan, events);
            HuntWorkers.Run(plan, join.Tasks, join.Events, stop.Token, join.IsSettled);
        }
        else if (plan.Jobs > 1 && tasks.Count > 1)
        {
            HuntWorkers.Run(plan, tasks, events, stop.Token);
        }
        else
        {
            foreach (var task in tasks)
            {
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                events.Starting(task);
                if (HuntOne(task, plan.OutputDirectory, i => events.Iteration(task, i), stop.Token) is not { } entry)
                {
                    break;
                }

                events.Finished(task, entry);
            }
        }

        lock (gate)
        {
            var report = Current();
            files.Write(report);
            return report;
        }
    }

    /// <summary>
    /// Locks the plan's output folder for the hunt and removes a previous run's reports: what must succeed before anything
    /// is explored or printed (an unwritable folder or another hunt on it is a <see cref="UsageException"/>).
    /// </summary>
    public static OutputLock Prepare(HuntPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var hold = OutputLock.Take(plan.OutputDirectory);
        try
        {
            new HuntReportFiles(plan.OutputDirectory).Clear();
            return hold;
        }
        catch
        {
            hold.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Explores one variant, judges it, saves the trace of a bug under <paramref name="outputDirectory"/>: its report
    /// entry; null if <paramref name="cancel"/> stopped the exploration before it finished.
    /// </summary>
    public static HuntEntry? HuntOne(HuntTask task, string outputDirectory, Action<int>? onIteration = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        var (target, options) = (task.Variant, task.Options);
        var result = VariantExploration.Run(target, options, onIteration, cancel);
        if (cancel.IsCancellationRequested && result.Outcome == Outcome.Clean && result.Iterations < options.Iterations)
        {
            return null;
        }

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
            result.Coverage,
            result.RacyFields,
            task.FirstIteration,
            HuntShrink.Of(result.Shrink),
            result.Outcome == Outcome.Clean ? HuntBounded.Of(result.Bounded) : null,
            HuntCompletion.Of(result.Completion));
    }

    /// <summary>
    /// The report of the entries so far: it counts the plan's variants in <c>total</c>, so that a report of a hunt that
    /// has not finished has fewer results than its total and does not say it passed.
    /// </summary>
    private static HuntReport Report(HuntPlan plan, DateTimeOffset started, TimeSpan elapsed, HuntEntry?[] slots, bool interrupted, bool timeLimitReached)
    {
        var entries = slots.OfType<HuntEntry>().ToList();
        return new()
        {
            Tool = ToolInfo.NameAndVersion,
            Build = ToolInfo.Build,
            StartedAt = started,
            ElapsedSeconds = elapsed.TotalSeconds,
            ConfigFile = plan.ConfigFile,
            Settings = RecordedSettings.Of(plan.Options),
            Selection = plan.Selection,
            Assemblies = [.. plan.Assemblies.Select(ScenarioAssembly.Of)],
            Shard = plan.Shard.ToString(),
            Split = plan.Shard.Split,
            Passed = entries.Count == plan.Variants.Count && entries.All(e => e.Verdict == VerdictKind.Met) && !interrupted && !timeLimitReached,
            Interrupted = interrupted,
            TimeLimitReached = timeLimitReached,
            Total = plan.Variants.Count,
            Met = entries.Count(e => e.Verdict == VerdictKind.Met),
            NotMet = entries.Count(e => e.Verdict == VerdictKind.NotMet),
            Errors = entries.Count(e => e.Verdict == VerdictKind.Error),
            Results = entries,
        };
    }
}

/// <summary>What the hunt's runners (this process, or the worker processes) report back to the loop.</summary>
/// <param name="Starting">A variant starts.</param>
/// <param name="Iteration">An iteration of the task starts (its number in the task's slice, from 1).</param>
/// <param name="Finished">A variant finished, with its entry.</param>
internal sealed record HuntEvents(Action<HuntTask> Starting, Action<HuntTask, int> Iteration, Action<HuntTask, HuntEntry> Finished);
