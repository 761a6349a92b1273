using System.Diagnostics;
using Microsoft.Coyote;
using Microsoft.Coyote.Logging;
using Microsoft.Coyote.SystematicTesting;
using Sim.Runtime.Coverage;
using Sim.Runtime.Platform;
using Sim.Runtime.Races;
using Sim.Runtime.Scheduling;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Exploration;

/// <summary>
/// The exploration harness: runs a program (the body of a simulated main thread) under Coyote's
/// <see cref="TestingEngine"/>, one fresh <see cref="SimRuntime"/> per iteration, and turns what happened into an
/// <see cref="ExplorationResult"/>: the outcome, the bug's message, the iterations and steps it took, the schedule record
/// and the readable steps. Coyote's strategies pick the schedules; or, in a gated run, a <see cref="SchedulePolicy"/> does
/// (a replay, a shrinking candidate, the preemption-bounded search), and Coyote only carries it out.
/// </summary>
/// <remarks>
/// Coyote 1.7.11 keeps process-wide state (its runtime registry, the controlled-execution count), so explorations in one
/// process run one at a time: concurrent callers (parallel test classes, say) wait for each other here.
/// </remarks>
public static class Explorer
{
    /// <summary>How Coyote 1.7.11's report of a deadlock (every controlled operation paused) begins.</summary>
    internal const string DeadlockPrefix = "Deadlock detected";

    /// <summary>How Coyote's report of an operation that reached no scheduling point within the hang timeout begins.</summary>
    internal const string PotentialDeadlockPrefix = "Potential deadlock";

    /// <summary>How Coyote's report of an iteration that reached the scheduling-step bound begins.</summary>
    internal const string BoundPrefix = "Scheduling steps bound";

    /// <summary>Coyote's step bound in a gated run: out of the way, since the policy bounds the run.</summary>
    private const uint GatedCoyoteSteps = 100_000_000;

    private static readonly Lock s_engineGate = new();

    /// <summary>
    /// Explores schedules of <paramref name="program"/> until a bug or the budget runs out. A bug's schedule is shrunk
    /// (<see cref="ExplorationOptions.ShrinkRuns"/>); a clean result of a Coyote strategy is followed by the
    /// preemption-bounded search (<see cref="ExplorationOptions.BoundedSchedules"/>).
    /// </summary>
    /// <param name="program">The body of the simulated main thread.</param>
    /// <param name="options">The exploration settings.</param>
    /// <param name="onIteration">Called as each iteration starts, with its 1-based number (for progress displays).</param>
    /// <param name="cancel">
    /// Stops the exploration before its next iteration (an interrupted or timed-out hunt): the result counts the
    /// iterations that ran, and says clean if none of them failed; neither the bounded search nor shrinking follows.
    /// </param>
    public static ExplorationResult Explore(Action<SimRuntime> program, ExplorationOptions options, Action<int>? onIteration = null, CancellationToken cancel = default)
    {
        Check(program, options);
        var coverage = new CoverageRecorder();
        ExplorationResult result;
        if (options.Strategy == Strategy.PreemptionBounded)
        {
            result = Bounded(program, options, options.Iterations, options.StrategyBound, onIteration, coverage, cancel);
        }
        else
        {
            result = Run(program, options, driver: null, onIteration, cancel, coverage: coverage);
            if (result.Outcome == Outcome.Clean && options.BoundedSchedules > 0 && !cancel.IsCancellationRequested)
            {
                var bounded = Bounded(program, options with { RunToCompletion = false }, options.BoundedSchedules, uint.MaxValue, onIteration: null, coverage, cancel);
                // The coverage count is shared, so the bounded search's summary covers both; so do the racy fields.
                var racy = Sorted(result.RacyFields.Union(bounded.RacyFields));
                result = bounded.Outcome == Outcome.Clean
                    ? result with { Bounded = bounded.Bounded, Coverage = bounded.Coverage, RacyFields = racy }
                    : bounded with
                    {
                        Iterations = result.Iterations + bounded.Iterations,
                        SchedulingSteps = result.SchedulingSteps + bounded.SchedulingSteps,
                        CoyoteSteps = result.CoyoteSteps + bounded.CoyoteSteps,
                        Elapsed = result.Elapsed + bounded.Elapsed,
                        Strategy = $"{result.Strategy}, then {bounded.Strategy}",
                        RacyFields = racy,
                    };
            }
        }

        return result.FoundBug && options.ShrinkRuns > 0 && !cancel.IsCancellationRequested ? Shrinker.Shrink(program, options, result) : result;
    }

    /// <summary>
    /// Replays a schedule record that an exploration of the same program produced, step by step: each step is gated to
    /// the recorded thread, each choice takes the recorded value. If the program asks for anything the record does not
    /// hold, the result is <see cref="Outcome.ReplayFailed"/> and its message says where.
    /// </summary>
    /// <param name="program">The body of the simulated main thread.</param>
    /// <param name="schedule">The schedule to replay.</param>
    /// <param name="options">The settings it was recorded with.</param>
    /// <param name="endsInLivelock">True if the recorded run ended at the step bound: the record's end is that livelock.</param>
    public static ExplorationResult Replay(Action<SimRuntime> program, ScheduleRecord schedule, ExplorationOptions options, bool endsInLivelock = false)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Check(program, options);
        return Run(program, options, new SingleRun(new ReplayPolicy(schedule, endsInLivelock)), onIteration: null, CancellationToken.None);
    }

    /// <summary>One gated run of <paramref name="program"/> under <paramref name="policy"/> (a shrinking candidate).</summary>
    internal static ExplorationResult RunOnce(Action<SimRuntime> program, ExplorationOptions options, SchedulePolicy policy) =>
        Run(program, options, new SingleRun(policy), onIteration: null, CancellationToken.None);

    /// <summary>
    /// Coyote's engine for <paramref name="test"/>, with its own logger pointed at <see cref="TextWriter.Null"/>: the engine
    /// prints progress even with console logging off, and the harness reports results itself. Internal so that the
    /// benchmark's baseline runs under the same engine setup.
    /// </summary>
    internal static TestingEngine CreateEngine(Configuration config, Action test)
    {
        var engine = TestingEngine.Create(config, test);
        engine.SetLogger(new TextWriterLogger(TextWriter.Null, VerbosityLevel.None));
        return engine;
    }

    /// <summary>The Coyote configuration of an exploration (internal so that the benchmark's baseline runs under the same one).</summary>
    internal static Configuration Configure(ExplorationOptions o, bool gated = false, uint? iterations = null)
    {
        var config = Configuration.Create()
            .WithTestingIterations(iterations ?? o.Iterations)
            .WithMaxSchedulingSteps(gated ? GatedCoyoteSteps : o.MaxSteps, gated ? GatedCoyoteSteps : o.FairMaxSteps)
            .WithFailureOnMaxStepsBoundEnabled(true)
            .WithTelemetryEnabled(false)
            .WithConsoleLoggingEnabled(false)
            .WithSystematicFuzzingFallbackEnabled(false)
            .WithPotentialDeadlocksReportedAsBugs(true)
            .WithDeadlockTimeout((uint)o.HangTimeout.TotalMilliseconds);
        if (o.Seed is { } seed)
        {
            config = config.WithRandomGeneratorSeed(seed);
        }

        if (o.RunToCompletion)
        {
            config = config.WithTestIterationsRunToCompletion();
        }

        return gated ? config.WithRandomStrategy() : StrategyRow.Of(o.Strategy).Configure(config, o.StrategyBound);
    }

    private static void Check(Action<SimRuntime> program, ExplorationOptions options)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }
    }

    /// <summary>The preemption-bounded search, with a budget of <paramref name="runs"/> schedules and bounds up to <paramref name="maxBound"/>.</summary>
    private static ExplorationResult Bounded(Action<SimRuntime> program, ExplorationOptions options, uint runs, uint maxBound, Action<int>? onIteration, CoverageRecorder coverage, CancellationToken cancel)
    {
        var search = new BoundedSearch(maxBound, options.MaxSteps);
        var result = Run(program, options with { Strategy = Strategy.PreemptionBounded }, search, onIteration, cancel, runs, coverage);
        if (result.Outcome == Outcome.ReplayFailed)
        {
            result = result with
            {
                Outcome = Outcome.ScenarioError,
                Message = $"the program does not repeat itself under the same schedule, so its schedules cannot be enumerated ({result.Message})",
            };
        }

        return result with
        {
            Strategy = maxBound == uint.MaxValue ? Strategy.PreemptionBounded.Name() : result.Strategy,
            Bounded = search.Coverage(result.Elapsed),
        };
    }

    /// <summary>
    /// Runs up to <paramref name="runs"/> iterations (default: the options' iterations): Coyote's strategy decides, or
    /// each run's policy from <paramref name="driver"/>. The engine is never stopped from inside (Coyote's
    /// <see cref="TestingEngine.Stop"/> makes <see cref="TestingEngine.Run"/> return while an iteration still runs, and
    /// the report read then is incomplete): once a run fails, <paramref name="cancel"/> is set, the time limit passes or
    /// the driver has nothing more to run, the engine is told that the iteration under way is its last (its loop reads the
    /// configuration's iteration count each time round), and an iteration it still starts runs nothing. A driver's runs go
    /// through engines of growing size (16, 32, ...), so an exhaustive search that ends early wastes few of them. In a run
    /// to completion (<see cref="ExplorationOptions.RunToCompletion"/>) a failing iteration does not end the exploration:
    /// each is classified once Coyote has added it to its report (at the next iteration's start, or when the engine
    /// returns) and counted.
    /// </summary>
    private static ExplorationResult Run(Action<SimRuntime> program, ExplorationOptions options, IScheduleDriver? driver, Action<int>? onIteration, CancellationToken cancel, uint? runs = null, CoverageRecorder? coverage = null)
    {
        using var gate = s_engineGate.EnterScope();
        using var hosts = new HostThreads(options.ReuseOsThreads);
        var complete = options.RunToCompletion && driver is not SingleRun;
        var state = new RunState { Counter = complete ? new FindingCounter() : null };
        coverage ??= new CoverageRecorder();
        var clock = Stopwatch.StartNew();
        TestingEngine? current = null;

        void Body()
        {
            if (!state.Running)
            {
                return;
            }

            var settings = new ControlledSettings(options.VirtualNanosPerStep, options.YieldFairness, options.MaxSteps)
            {
                Policy = state.Policy,
                RecordSchedule = options.RecordSchedule,
                DetectRaces = options.DetectRaces,
                PlainAccessPoints = options.PlainAccessPoints,
                Coverage = coverage,
                Hosts = hosts,
            };
            var rt = SimRuntime.CreateControlled(settings);
            state.Current = rt;
            try
            {
                program(rt);
                rt.WaitForAllThreads();
                if (rt.UncontrolledReason is { } why)
                {
                    rt.Fail(UncontrolledMessage(why));
                }
            }
            catch (Exception ex) when (Unwinding.Stops(ex))
            {
                rt.MainThread.MarkUnwound();
            }
            catch (Exception ex)
            {
                rt.Platform.ReportThreadException(rt.MainThread, ex);
            }
            finally
            {
                SimThread.Current = null;
            }
        }

        Configuration? config = null;
        void StopAfter(uint iteration)
        {
            state.Finished = true;
            config?.WithTestingIterations(iteration + 1);
        }

        void Started(uint iteration)
        {
            Settle(state, current!.TestReport, options);
            state.Running = !state.Finished && !cancel.IsCancellationRequested && (options.TimeLimit is not { } limit || clock.Elapsed <= limit);
            if (!state.Running)
            {
                // This iteration runs nothing (Body returns at once) and is not counted.
                StopAfter(iteration);
                return;
            }

            state.Iterations++;
            state.Policy = driver?.NextRun();
            onIteration?.Invoke(state.Iterations);
        }

        void Ended(uint iteration)
        {
            if (!state.Running || state.Current is not { } rt)
            {
                return;
            }

            state.Snapshot = ThreadSnapshot.Take(rt);
            state.Steps += rt.Controlled!.SchedulingPoints;
            if (rt.Controlled.Races is { } races)
            {
                state.RacyFields.UnionWith(races.RacyFields);
            }

            if (state.Policy is { } policy && rt.Divergence is null && rt.UncontrolledReason is null)
            {
                try
                {
                    policy.RunEnded();
                }
                catch (ScheduleDivergedException ex)
                {
                    rt.ReportDivergence(ex.Message);
                }
            }

            rt.End(TimeSpan.FromSeconds(2));
            var controlled = rt.Divergence is null && rt.UncontrolledReason is null;
            if (complete && controlled)
            {
                state.Pending = new EndedIteration(rt, state.Snapshot, state.Iterations);
            }

            if (!controlled || (!complete && rt.Failure is not null) || (driver is not null && !driver.RunEnded()))
            {
                StopAfter(iteration);
            }
        }

        var total = driver is SingleRun ? 1 : runs ?? options.Iterations;
        var size = driver is null ? total : Math.Min(total, 16u);
        var report = new EngineReport();
        for (uint done = 0; done < total && !state.Finished && (complete || report.Bug is null) && report.Error is null && report.Hang is null; done += size, size = Math.Min(size <= uint.MaxValue / 2 ? size * 2 : uint.MaxValue, total - done))
        {
            config = Configure(options, gated: driver is not null, iterations: size);
            using var engine = CreateEngine(config, Body);
            current = engine;
            state.BugsSeen = state.BoundsSeen = 0;
            engine.RegisterStartIterationCallBack(iteration =>
            {
                ForgetExploredPaths(engine);
                Started(iteration);
            });
            engine.RegisterEndIterationCallBack(Ended);
            try
            {
                engine.Run();
            }
            catch (Exception ex)
            {
                report.Error = (ex.GetBaseException() ?? ex).Message;
            }

            Settle(state, engine.TestReport, options);
            report.Add(engine.TestReport);
            if (cancel.IsCancellationRequested || (options.TimeLimit is { } limit && clock.Elapsed > limit))
            {
                break;
            }
        }

        clock.Stop();
        return Summarize(report, state, options, driver is not null, clock.Elapsed) with
        {
            RacyFields = Sorted(state.RacyFields),
            Coverage = coverage.Summary(),
        };
    }

    /// <summary>
    /// In a run to completion: classifies the iteration that ended last, now that Coyote's report says whether it found
    /// a bug there (a deadlock, or the step bound), and counts it if it failed; the first failure is the reported bug.
    /// </summary>
    private static void Settle(RunState state, TestReport coyote, ExplorationOptions options)
    {
        if (state.Pending is not { } ended)
        {
            return;
        }

        state.Pending = null;
        var bounds = coyote.MaxFairStepsHitInFairTests + coyote.MaxUnfairStepsHitInUnfairTests;
        var coyoteBug = coyote.NumOfFoundBugs > state.BugsSeen;
        var stepBound = bounds > state.BoundsSeen;
        (state.BugsSeen, state.BoundsSeen) = (coyote.NumOfFoundBugs, bounds);
        var threads = ended.Threads ?? [];
        (FindingKind Kind, string Message)? finding = ended.Runtime.Failure is { } failure ? (failure.Kind, failure.Message)
            : !coyoteBug ? null
            : stepBound ? (FindingKind.Livelock, Findings.Livelock(ended.Runtime.Controlled?.SchedulingPoints ?? 0, options.MaxSteps, threads))
            : (FindingKind.Deadlock, Findings.Deadlock(threads).Message);
        if (finding is { } f)
        {
            state.Counter!.Add(f.Kind, f.Message, ended.Iteration);
            if (state.First is null)
            {
                state.First = ended;
                state.FirstFinding = f;
            }
        }
    }

    private static ExplorationResult Summarize(EngineReport report, RunState state, ExplorationOptions options, bool gated, TimeSpan elapsed)
    {
        var first = state.Counter is null || state.Current is { Divergence: not null } or { UncontrolledReason: not null } ? null : state.First;
        var rt = first?.Runtime ?? state.Current;
        var bug = report.Bug;

        ExplorationResult Result(Outcome outcome, FindingKind? kind, string? message) => new()
        {
            Outcome = outcome,
            Kind = kind,
            Message = message,
            Iterations = first?.Iteration ?? state.Iterations,
            SchedulingSteps = state.Steps,
            CoyoteSteps = report.Steps,
            BugIterationSteps = outcome is Outcome.BugFound or Outcome.ScenarioError ? rt?.Controlled?.SchedulingPoints ?? 0 : 0,
            Elapsed = elapsed,
            Strategy = Describe(options),
            Schedule = rt?.Controlled is { } c ? new ScheduleRecord(c.Schedule) : null,
            Steps = outcome is not Outcome.Clean && rt?.Controlled is { } s ? [.. s.Steps.Select(x => x.ToStep())] : [],
            EngineReport = bug,
            Completion = state.Counter?.Tally(state.Iterations),
            Race = outcome == Outcome.BugFound ? rt?.Failure?.Race : null,
            WaitsFor = outcome == Outcome.BugFound ? rt?.Failure?.WaitsFor ?? [] : [],
        };

        if (rt?.UncontrolledReason is { } why)
        {
            return Result(Outcome.ScenarioError, null, UncontrolledMessage(why));
        }

        if (rt?.Divergence is { } diverged)
        {
            return Result(Outcome.ReplayFailed, null, diverged);
        }

        if (rt?.Failure is { OfTool: true } toolFailure)
        {
            return Result(Outcome.ToolError, null, toolFailure.Message);
        }

        if (report.Error is { } error)
        {
            return Result(Outcome.ToolError, null, $"the exploration engine failed: {error}");
        }

        if (state.Counter is not null && report.Hang is null)
        {
            return state.FirstFinding is { } f ? Result(Outcome.BugFound, f.Kind, f.Message) : Result(Outcome.Clean, null, null);
        }

        if (bug is null)
        {
            return Result(Outcome.Clean, null, null);
        }

        if (report.Hang is not null)
        {
            return Result(Outcome.ScenarioError, null,
                "a simulated thread blocked outside the Runtime (a BCL lock, Monitor, Task.Wait or Thread.Sleep?) for longer than " +
                $"{options.HangTimeout.TotalSeconds:0.#} s: block only through the Runtime's parking lot and joins");
        }

        if (rt?.Failure is { } failure)
        {
            return Result(Outcome.BugFound, failure.Kind, failure.Message);
        }

        // Without a schedule record (the benchmark's recorder-off runs), the threads as they stood at the end.
        var threads = first?.Threads ?? state.Snapshot ?? [];
        if (bug.StartsWith(DeadlockPrefix, StringComparison.Ordinal))
        {
            var deadlock = Findings.Deadlock(threads);
            return Result(Outcome.BugFound, FindingKind.Deadlock, deadlock.Message) with { WaitsFor = deadlock.WaitsFor };
        }

        if (bug.StartsWith(BoundPrefix, StringComparison.Ordinal) && !gated)
        {
            return Result(Outcome.BugFound, FindingKind.Livelock, Findings.Livelock(rt?.Controlled?.SchedulingPoints ?? 0, options.MaxSteps, threads));
        }

        return Result(Outcome.ScenarioError, null, $"the exploration engine reported a failure that no simulated thread recorded: {bug}");
    }

    private static string Describe(ExplorationOptions o)
    {
        var bound = StrategyRow.Of(o.Strategy).UsesBound ? $"({o.StrategyBound})" : string.Empty;
        var seed = o.Seed is { } s ? $", seed {s}" : string.Empty;
        return $"{o.Strategy.Name()}{bound}{seed}";
    }

    private static List<RacyField> Sorted(IEnumerable<RacyField> fields) =>
        [.. fields.OrderBy(f => f.Field, StringComparer.Ordinal).ThenBy(f => f.Reason, StringComparer.Ordinal)];

    /// <summary>
    /// Drops what Coyote 1.7.11 keeps of every iteration for its coverage report, which the harness never reads: at the
    /// end of each iteration <c>CoyoteRuntime</c> adds the whole schedule, as text, to
    /// <c>TestReport.CoverageInfo.ExploredPaths</c> (a set of every distinct schedule: about 15 KB per iteration of the
    /// corpus, so a 100,000-iteration exploration held over 1 GB), and the hash of every visited state to
    /// <c>VisitedStates</c>. Called as each iteration starts, after the previous one's were merged into the report.
    /// </summary>
    private static void ForgetExploredPaths(TestingEngine engine)
    {
        var coverage = engine.TestReport.CoverageInfo;
        coverage.ExploredPaths.Clear();
        coverage.VisitedStates.Clear();
    }

    private static string UncontrolledMessage(string why) => $"Uncontrolled concurrency: {why}";

    /// <summary>What the engines of one exploration reported, added up.</summary>
    private sealed class EngineReport
    {
        public string? Bug { get; private set; }

        public string? Error { get; set; }

        /// <summary>Coyote's report of a thread that reached no scheduling point within the hang timeout: a scenario error.</summary>
        public string? Hang { get; private set; }

        public long Steps { get; private set; }

        public void Add(TestReport report)
        {
            Bug ??= report.BugReports.FirstOrDefault();
            Hang ??= report.BugReports.FirstOrDefault(b => b.StartsWith(PotentialDeadlockPrefix, StringComparison.Ordinal));
            Error ??= report.InternalErrors.Count > 0 ? string.Join("; ", report.InternalErrors) : null;
            Steps += (long)report.TotalExploredFairSteps + report.TotalExploredUnfairSteps;
        }
    }

    private sealed class RunState
    {
        /// <summary>The current iteration runs the program (false once the time limit passed or there is nothing more to run).</summary>
        public bool Running { get; set; }

        /// <summary>No further iteration runs: a run found something, the driver has nothing more, or the exploration was stopped.</summary>
        public bool Finished { get; set; }

        public SimRuntime? Current { get; set; }

        public SchedulePolicy? Policy { get; set; }

        public int Iterations { get; set; }

        public long Steps { get; set; }

        public IReadOnlyList<ThreadSnapshot>? Snapshot { get; set; }

        /// <summary>A run to completion's count of findings; null when the exploration stops at the first bug.</summary>
        public FindingCounter? Counter { get; init; }

        /// <summary>The iteration that ended last, until <see cref="Settle"/> classifies it.</summary>
        public EndedIteration? Pending { get; set; }

        /// <summary>The first iteration that failed, and how, in a run to completion.</summary>
        public EndedIteration? First { get; set; }

        public (FindingKind Kind, string Message)? FirstFinding { get; set; }

        /// <summary>Coyote's count of buggy iterations, and of iterations that hit the step bound, in the current engine, as last seen.</summary>
        public int BugsSeen { get; set; }

        public int BoundsSeen { get; set; }

        public HashSet<RacyField> RacyFields { get; } = [];
    }

    /// <summary>An iteration that ended: its runtime, the threads as they stood, its number.</summary>
    private sealed record EndedIteration(SimRuntime Runtime, IReadOnlyList<ThreadSnapshot>? Threads, int Iteration);
}
