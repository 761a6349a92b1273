using System.Diagnostics;
using Microsoft.Coyote;
using Microsoft.Coyote.Logging;
using Microsoft.Coyote.SystematicTesting;
using Sim.Runtime.Platform;
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
    public static ExplorationResult Explore(Action<SimRuntime> program, ExplorationOptions options, Action<int>? onIteration = null)
    {
        Check(program, options);
        ExplorationResult result;
        if (options.Strategy == Strategy.PreemptionBounded)
        {
            result = Bounded(program, options, options.Iterations, options.StrategyBound, onIteration);
        }
        else
        {
            result = Run(program, options, driver: null, onIteration);
            if (result.Outcome == Outcome.Clean && options.BoundedSchedules > 0)
            {
                var bounded = Bounded(program, options, options.BoundedSchedules, uint.MaxValue, onIteration: null);
                result = bounded.Outcome == Outcome.Clean
                    ? result with { Bounded = bounded.Bounded }
                    : bounded with
                    {
                        Iterations = result.Iterations + bounded.Iterations,
                        SchedulingSteps = result.SchedulingSteps + bounded.SchedulingSteps,
                        CoyoteSteps = result.CoyoteSteps + bounded.CoyoteSteps,
                        Elapsed = result.Elapsed + bounded.Elapsed,
                        Strategy = $"{result.Strategy}, then {bounded.Strategy}",
                    };
            }
        }

        return result.FoundBug && options.ShrinkRuns > 0 ? Shrinker.Shrink(program, options, result) : result;
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
        return Run(program, options, new SingleRun(new ReplayPolicy(schedule, endsInLivelock)), onIteration: null);
    }

    /// <summary>One gated run of <paramref name="program"/> under <paramref name="policy"/> (a shrinking candidate).</summary>
    internal static ExplorationResult RunOnce(Action<SimRuntime> program, ExplorationOptions options, SchedulePolicy policy) =>
        Run(program, options, new SingleRun(policy), onIteration: null);

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
            .WithMaxSchedulingSteps(gated ? GatedCoyoteSteps : o.MaxSteps)
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
    private static ExplorationResult Bounded(Action<SimRuntime> program, ExplorationOptions options, uint runs, uint maxBound, Action<int>? onIteration)
    {
        var search = new BoundedSearch(maxBound, options.MaxSteps);
        var result = Run(program, options with { Strategy = Strategy.PreemptionBounded }, search, onIteration, runs);
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
    /// the report read then is incomplete): once the time limit passes or the driver has nothing more to run, the
    /// remaining iterations do nothing. A driver's runs go through engines of growing size (16, 32, ...), so an exhaustive
    /// search that ends early wastes few of them.
    /// </summary>
    private static ExplorationResult Run(Action<SimRuntime> program, ExplorationOptions options, IScheduleDriver? driver, Action<int>? onIteration, uint? runs = null)
    {
        using var gate = s_engineGate.EnterScope();
        var state = new RunState();
        var clock = Stopwatch.StartNew();

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

        void Started(uint iteration)
        {
            state.Running = !state.Finished && (options.TimeLimit is not { } limit || clock.Elapsed <= limit);
            if (!state.Running)
            {
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
            var clean = rt.Failure is null && rt.Divergence is null && rt.UncontrolledReason is null;
            state.Finished = !clean || (driver is not null && !driver.RunEnded());
        }

        var total = driver is SingleRun ? 1 : runs ?? options.Iterations;
        var size = driver is null ? total : Math.Min(total, 16u);
        var report = new EngineReport();
        for (uint done = 0; done < total && !state.Finished && report.Bug is null && report.Error is null; done += size, size = Math.Min(size <= uint.MaxValue / 2 ? size * 2 : uint.MaxValue, total - done))
        {
            using var engine = CreateEngine(Configure(options, gated: driver is not null, iterations: size), Body);
            engine.RegisterStartIterationCallBack(Started);
            engine.RegisterEndIterationCallBack(Ended);
            try
            {
                engine.Run();
            }
            catch (Exception ex)
            {
                report.Error = (ex.GetBaseException() ?? ex).Message;
            }

            report.Add(engine.TestReport);
            if (options.TimeLimit is { } limit && clock.Elapsed > limit)
            {
                break;
            }
        }

        clock.Stop();
        return Summarize(report, state, options, driver is not null, clock.Elapsed);
    }

    private static ExplorationResult Summarize(EngineReport report, RunState state, ExplorationOptions options, bool gated, TimeSpan elapsed)
    {
        var rt = state.Current;
        var bug = report.Bug;

        ExplorationResult Result(Outcome outcome, FindingKind? kind, string? message) => new()
        {
            Outcome = outcome,
            Kind = kind,
            Message = message,
            Iterations = state.Iterations,
            SchedulingSteps = state.Steps,
            CoyoteSteps = report.Steps,
            BugIterationSteps = outcome is Outcome.BugFound or Outcome.ScenarioError ? rt?.Controlled?.SchedulingPoints ?? 0 : 0,
            Elapsed = elapsed,
            Strategy = Describe(options),
            Schedule = rt?.Controlled is { } c ? new ScheduleRecord(c.Schedule) : null,
            Steps = outcome is not Outcome.Clean && rt?.Controlled is { } s ? [.. s.Steps.Select(x => x.ToStep())] : [],
            EngineReport = bug,
        };

        if (rt?.UncontrolledReason is { } why)
        {
            return Result(Outcome.ScenarioError, null, UncontrolledMessage(why));
        }

        if (rt?.Divergence is { } diverged)
        {
            return Result(Outcome.ReplayFailed, null, diverged);
        }

        if (report.Error is { } error)
        {
            return Result(Outcome.ScenarioError, null, $"the exploration engine failed: {error}");
        }

        if (bug is null)
        {
            return Result(Outcome.Clean, null, null);
        }

        if (bug.StartsWith(PotentialDeadlockPrefix, StringComparison.Ordinal))
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
        var threads = state.Snapshot ?? [];
        if (bug.StartsWith(DeadlockPrefix, StringComparison.Ordinal))
        {
            return Result(Outcome.BugFound, FindingKind.Deadlock, Findings.Deadlock(threads));
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

    private static string UncontrolledMessage(string why) => $"Uncontrolled concurrency: {why}";

    /// <summary>What the engines of one exploration reported, added up.</summary>
    private sealed class EngineReport
    {
        public string? Bug { get; private set; }

        public string? Error { get; set; }

        public long Steps { get; private set; }

        public void Add(TestReport report)
        {
            Bug ??= report.BugReports.FirstOrDefault();
            Error ??= report.InternalErrors.Count > 0 ? string.Join("; ", report.InternalErrors) : null;
            Steps += (long)report.TotalExploredFairSteps + report.TotalExploredUnfairSteps;
        }
    }

    private sealed class RunState
    {
        /// <summary>The current iteration runs the program (false once the time limit passed or there is nothing more to run).</summary>
        public bool Running { get; set; }

        /// <summary>No further iteration runs: a run found something, or the driver has nothing more.</summary>
        public bool Finished { get; set; }

        public SimRuntime? Current { get; set; }

        public SchedulePolicy? Policy { get; set; }

        public int Iterations { get; set; }

        public long Steps { get; set; }

        public IReadOnlyList<ThreadSnapshot>? Snapshot { get; set; }
    }
}
