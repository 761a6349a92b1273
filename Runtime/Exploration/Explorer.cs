using System.Diagnostics;
using Microsoft.Coyote;
using Microsoft.Coyote.Logging;
using Microsoft.Coyote.SystematicTesting;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Exploration;

/// <summary>
/// The exploration harness: runs a program (the body of a simulated main thread) under Coyote's
/// <see cref="TestingEngine"/>, one fresh <see cref="SimRuntime"/> per iteration, and turns what Coyote reports into an
/// <see cref="ExplorationResult"/>: the outcome, the bug's message, the iterations and steps it took, the reproducible
/// trace and the readable steps.
/// </summary>
/// <remarks>
/// Coyote 1.7.11 keeps process-wide state (its runtime registry, the controlled-execution count), so explorations in one
/// process run one at a time: concurrent callers (parallel test classes, say) wait for each other here.
/// </remarks>
public static class Explorer
{
    private static readonly Lock s_engineGate = new();

    /// <summary>How Coyote 1.7.11's report of a deadlock (every controlled operation paused) begins.</summary>
    internal const string DeadlockPrefix = "Deadlock detected";

    /// <summary>How Coyote's report of an operation that reached no scheduling point within the hang timeout begins.</summary>
    internal const string PotentialDeadlockPrefix = "Potential deadlock";

    /// <summary>How Coyote's report of an iteration that reached the scheduling-step bound begins.</summary>
    internal const string BoundPrefix = "Scheduling steps bound";

    /// <summary>Explores schedules of <paramref name="program"/> until a bug or the budget runs out.</summary>
    /// <param name="program">The body of the simulated main thread.</param>
    /// <param name="options">The exploration settings.</param>
    /// <param name="onIteration">Called as each iteration starts, with its 1-based number (for progress displays).</param>
    /// <param name="cancel">
    /// Stops the exploration before its next iteration (an interrupted or timed-out hunt): the result counts the
    /// iterations that ran, and says clean if none of them failed.
    /// </param>
    public static ExplorationResult Explore(Action<SimRuntime> program, ExplorationOptions options, Action<int>? onIteration = null, CancellationToken cancel = default) =>
        Run(program, options, trace: null, onIteration, cancel);

    /// <summary>Replays a reproducible trace that <see cref="Explore"/> produced for the same program.</summary>
    public static ExplorationResult Replay(Action<SimRuntime> program, string coyoteTrace, ExplorationOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(coyoteTrace);
        return Run(program, options, coyoteTrace, onIteration: null, CancellationToken.None);
    }

    private static ExplorationResult Run(Action<SimRuntime> program, ExplorationOptions options, string? trace, Action<int>? onIteration, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        using var gate = s_engineGate.EnterScope();
        var config = Configure(options, trace);
        var state = new RunState();
        var clock = Stopwatch.StartNew();

        void Body()
        {
            if (state.Stopped)
            {
                return;
            }

            var rt = SimRuntime.CreateControlled(options.VirtualNanosPerStep, options.YieldFairness);
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

        // Stopping early never calls TestingEngine.Stop: in Coyote 1.7.11 it makes Run return while the iteration in
        // progress still runs on the engine's task, racing with the report read below. Instead the engine is told that
        // the iteration under way is its last (its loop reads the configuration's iteration count each time round).
        void StopAfter(uint iteration) => config.WithTestingIterations(iteration + 1);

        using var engine = CreateEngine(config, Body);
        engine.RegisterStartIterationCallBack(iteration =>
        {
            ForgetExploredPaths(engine);
            if (cancel.IsCancellationRequested || (options.TimeLimit is { } limit && clock.Elapsed > limit))
            {
                // This iteration runs nothing (Body returns at once) and is not counted.
                state.Stopped = true;
                StopAfter(iteration);
                return;
            }

            state.Iterations++;
            onIteration?.Invoke(state.Iterations);
        });
        engine.RegisterEndIterationCallBack(iteration =>
        {
            if (state.Stopped || state.Current is not { } rt)
            {
                return;
            }

            state.Snapshot = ThreadSnapshot.Take(rt);
            state.Steps += rt.Controlled!.SchedulingPoints;
            rt.End(TimeSpan.FromSeconds(2));
            if (rt.UncontrolledReason is not null)
            {
                StopAfter(iteration);
            }
        });

        string? engineError = null;
        try
        {
            engine.Run();
        }
        catch (Exception ex)
        {
            engineError = (ex.GetBaseException() ?? ex).Message;
        }

        clock.Stop();
        return Summarize(engine, state, options, trace is not null, engineError, clock.Elapsed);
    }

    private static ExplorationResult Summarize(TestingEngine engine, RunState state, ExplorationOptions options, bool replay, string? engineError, TimeSpan elapsed)
    {
        var report = engine.TestReport;
        var rt = state.Current;
        var strategy = Describe(options);
        var bug = report.BugReports.FirstOrDefault();

        ExplorationResult Result(Outcome outcome, FindingKind? kind, string? message) => new()
        {
            Outcome = outcome,
            Kind = kind,
            Message = message,
            Iterations = state.Iterations,
            SchedulingSteps = state.Steps,
            CoyoteSteps = (long)report.TotalExploredFairSteps + report.TotalExploredUnfairSteps,
            BugIterationSteps = outcome is Outcome.BugFound or Outcome.ScenarioError ? rt?.Controlled?.SchedulingPoints ?? 0 : 0,
            Elapsed = elapsed,
            Strategy = strategy,
            CoyoteTrace = outcome == Outcome.BugFound && !replay ? engine.ReproducibleTrace : null,
            Steps = outcome is Outcome.BugFound or Outcome.ScenarioError && rt?.Controlled is { } c
                ? [.. c.Steps.Select(s => s.ToStep())]
                : [],
            EngineReport = bug,
        };

        if (rt?.UncontrolledReason is { } why)
        {
            return Result(Outcome.ScenarioError, null, UncontrolledMessage(why));
        }

        if (rt?.Failure is { OfTool: true } toolFailure)
        {
            return Result(Outcome.ToolError, null, toolFailure.Message);
        }

        if (engineError is not null || report.InternalErrors.Count > 0)
        {
            var error = engineError ?? string.Join("; ", report.InternalErrors);
            return replay
                ? Result(Outcome.ReplayFailed, null, $"the trace does not replay against this program: {error}")
                : Result(Outcome.ToolError, null, $"the exploration engine failed: {error}");
        }

        if (bug is null)
        {
            return replay
                ? Result(Outcome.ReplayFailed, null, "the trace ran to the end without failing: it was recorded against another scenario, variant or version")
                : Result(Outcome.Clean, null, null);
        }

        if (bug.StartsWith(PotentialDeadlockPrefix, StringComparison.Ordinal))
        {
            return Result(Outcome.ScenarioError, null,
                "a simulated thread blocked outside the Runtime (a BCL lock, Monitor, Task.Wait or Thread.Sleep?) for longer than " +
                $"{options.HangTimeout.TotalSeconds:0.#} s: block only through the Runtime's parking lot and joins");
        }

        var threads = state.Snapshot ?? [];
        if (bug.StartsWith(DeadlockPrefix, StringComparison.Ordinal))
        {
            return Result(Outcome.BugFound, FindingKind.Deadlock,
                "Deadlock: no thread can run. " + string.Join("; ", threads.Select(t => t.Describe())));
        }

        if (bug.StartsWith(BoundPrefix, StringComparison.Ordinal))
        {
            return Result(Outcome.BugFound, FindingKind.Livelock,
                $"Livelock: the threads took {rt?.Controlled?.SchedulingPoints ?? 0} scheduling steps without finishing " +
                $"(bound {options.MaxSteps}, fair strategies x10). " + string.Join("; ", threads.Select(t => t.Describe())));
        }

        return rt?.Failure is { } failure
            ? Result(Outcome.BugFound, failure.Kind, failure.Message)
            : Result(Outcome.ScenarioError, null, $"the exploration engine reported a failure that no simulated thread recorded: {bug}");
    }

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
    internal static Configuration Configure(ExplorationOptions o, string? trace)
    {
        var config = Configuration.Create()
            .WithTestingIterations(o.Iterations)
            .WithMaxSchedulingSteps(o.MaxSteps, o.FairMaxSteps)
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

        config = StrategyRow.Of(o.Strategy).Configure(config, o.StrategyBound);
        return trace is null ? config : config.WithReproducibleTrace(trace);
    }

    private static string Describe(ExplorationOptions o)
    {
        var bound = StrategyRow.Of(o.Strategy).UsesBound ? $"({o.StrategyBound})" : string.Empty;
        var seed = o.Seed is { } s ? $", seed {s}" : string.Empty;
        return $"{o.Strategy.Name()}{bound}{seed}";
    }

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

    private sealed class RunState
    {
        public SimRuntime? Current { get; set; }

        public int Iterations { get; set; }

        public long Steps { get; set; }

        public IReadOnlyList<ThreadSnapshot>? Snapshot { get; set; }

        /// <summary>True once a cancellation or the time limit ended the exploration: the iterations left run nothing.</summary>
        public bool Stopped { get; set; }
    }
}
