using System.Diagnostics;
using Sim.Runtime;
using Sim.Runtime.Exploration;

namespace Sim.Bench.Exploration;

/// <summary>
/// Measures exploration throughput: each workload on our Runtime (through the public <see cref="Explorer.Explore"/>,
/// race detector and schedule recorder on, as every exploration runs), on our Runtime without its race detector and
/// without its schedule recorder (what each costs), on our Runtime with an OS thread created for each simulated thread
/// instead of OS threads kept across iterations (what the reuse saves), and on Coyote's Operation API (the baseline), under the same Coyote
/// configuration (random strategy, same seed, same iterations, telemetry off, a silent logger). The four take turns for
/// several rounds (the order rotates every round) and the
/// median run of each side is reported. Steps are Coyote's own step statistics for both sides (<see cref="ExplorationResult.CoyoteSteps"/> for ours).
/// </summary>
internal static class ExplorationBenchmark
{
    /// <summary>The target the issue sets: our cost per step within 1.25x of the baseline's.</summary>
    public const double Target = 1.25;

    /// <summary>Runs the sanity checks and every workload; returns the figures, or throws <see cref="HarnessException"/>.</summary>
    public static ExplorationFigures Run(bool quick, TextWriter log)
    {
        var rounds = quick ? 2 : 7;
        var sanity = CheckSanity(log);
        var results = new List<WorkloadFigures>();
        foreach (var w in Workload.All)
        {
            results.Add(Measure(w, w.IterationsFor(quick), rounds, log));
        }

        return new ExplorationFigures(rounds, sanity, results);
    }

    /// <summary>
    /// Both sides must find the reachable lost update: proof that their threads are controlled and really interleaved
    /// (a harness whose threads ran one after the other would measure nothing).
    /// </summary>
    private static string CheckSanity(TextWriter log)
    {
        var options = CoyoteSettings.Options(200);
        var ours = Explorer.Explore(RuntimeWorkloads.LostUpdate, options);
        if (ours.Outcome != Outcome.BugFound || ours.Message?.Contains("lost update", StringComparison.Ordinal) != true)
        {
            throw new HarnessException($"sanity: our Runtime did not find the lost update in 200 iterations ({ours.Outcome}: {ours.Message})");
        }

        var baseline = RunBaseline(OperationApiWorkloads.LostUpdate, options);
        if (baseline.Bug?.Contains("lost update", StringComparison.Ordinal) != true)
        {
            throw new HarnessException($"sanity: the Operation API baseline did not find the lost update in 200 iterations ({baseline.Bug ?? "clean"})");
        }

        var text = $"both sides find the reachable lost update (ours in iteration {ours.Iterations}, baseline in iteration {baseline.Iterations})";
        log.WriteLine($"  sanity: {text}");
        return text;
    }

    private static WorkloadFigures Measure(Workload w, uint iterations, int rounds, TextWriter log)
    {
        log.WriteLine($"  {w.Name}: {iterations} iterations per run, {rounds} rounds");
        var program = RuntimeWorkloads.Counter(w);
        var test = OperationApiWorkloads.Counter(w);
        var options = CoyoteSettings.Options(iterations) with { PlainAccessPoints = w.Plain };

        // Warm-up: JIT and first-use costs on every side.
        var warm = options with { Iterations = Math.Max(2, iterations / 10) };
        RunOurs(program, warm);
        RunOurs(program, warm with { DetectRaces = false });
        RunOurs(program, warm with { RecordSchedule = false });
        RunOurs(program, warm with { ReuseOsThreads = false });
        RunBaseline(test, warm);

        // Each round runs the five sides back to back, the order rotating every round, so that no side always runs first or last.
        var ours = new List<Measured>();
        var withoutRaces = new List<Measured>();
        var unrecorded = new List<Measured>();
        var unpooled = new List<Measured>();
        var baseline = new List<Measured>();
        var sides = new (List<Measured> Runs, Func<Measured> Run)[]
        {
            (ours, () => RunOurs(program, options)),
            (withoutRaces, () => RunOurs(program, options with { DetectRaces = false }, "ours without the race detector")),
            (unrecorded, () => RunOurs(program, options with { RecordSchedule = false }, "ours without the schedule recorder")),
            (unpooled, () => RunOurs(program, options with { ReuseOsThreads = false }, "ours with a new OS thread per simulated thread")),
            (baseline, () => RunBaseline(test, options)),
        };
        for (var r = 0; r < rounds; r++)
        {
            for (var i = 0; i < sides.Length; i++)
            {
                var side = sides[(r + i) % sides.Length];
                side.Runs.Add(side.Run());
            }

            log.WriteLine($"    round {r + 1}: ours {ours[^1].Elapsed.TotalMilliseconds:0} ms, without the race detector {withoutRaces[^1].Elapsed.TotalMilliseconds:0} ms, " +
                $"without the recorder {unrecorded[^1].Elapsed.TotalMilliseconds:0} ms, without thread reuse {unpooled[^1].Elapsed.TotalMilliseconds:0} ms, baseline {baseline[^1].Elapsed.TotalMilliseconds:0} ms");
        }

        // Without the race detector, plain accesses are scheduling points again: the locked workload takes more steps then.
        foreach (var (name, side) in w.Locked ? [("the schedule recorder", unrecorded), ("thread reuse", unpooled)] : new[] { ("the race detector", withoutRaces), ("the schedule recorder", unrecorded), ("thread reuse", unpooled) })
        {
            if (side[0].CoyoteSteps != ours[0].CoyoteSteps)
            {
                throw new HarnessException($"{w.Name}: without {name} Coyote took {side[0].CoyoteSteps} steps, with it {ours[0].CoyoteSteps}: it must not change the schedules");
            }
        }

        foreach (var side in new[] { ours, withoutRaces, unrecorded, unpooled, baseline })
        {
            foreach (var run in side)
            {
                Expect(w, run, iterations);
                if (run.CoyoteSteps != side[0].CoyoteSteps)
                {
                    throw new HarnessException($"{w.Name} ({run.Side}): the step count changed between rounds ({side[0].CoyoteSteps}, {run.CoyoteSteps}) despite the fixed seed");
                }
            }
        }

        static SideFigures Figures(List<Measured> side) => new(side[0].CoyoteSteps!.Value, side[0].RuntimeSteps, [.. side.Select(x => x.Elapsed)]);
        return new WorkloadFigures(w, (int)iterations, Figures(ours), Figures(baseline))
        {
            OursWithoutRaces = Figures(withoutRaces),
            Unrecorded = Figures(unrecorded),
            Unpooled = Figures(unpooled),
        };
    }

    private static void Expect(Workload w, Measured run, uint iterations)
    {
        if (run.Bug is not null || run.Iterations != iterations)
        {
            throw new HarnessException($"{w.Name} ({run.Side}): ran {run.Iterations} of {iterations} iterations; bug: {run.Bug ?? "none"}");
        }
    }

    private static Measured RunOurs(Action<SimRuntime> program, ExplorationOptions options, string side = "ours")
    {
        Settle();
        var clock = Stopwatch.StartNew();
        var result = Explorer.Explore(program, options);
        clock.Stop();
        return new Measured(side, clock.Elapsed, result.Iterations, result.CoyoteSteps, result.SchedulingSteps,
            result.Outcome == Outcome.Clean ? null : $"{result.Outcome}: {result.Message}");
    }

    private static Measured RunBaseline(Action test, ExplorationOptions options)
    {
        Settle();
        var clock = Stopwatch.StartNew();
        using var engine = Explorer.CreateEngine(CoyoteSettings.For(options), test);
        engine.Run();
        clock.Stop();
        var report = engine.TestReport;
        var iterations = report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths;
        var bug = report.NumOfFoundBugs > 0 ? string.Join("; ", report.BugReports)
            : report.UncontrolledInvocations.Count > 0 ? "uncontrolled: " + string.Join(", ", report.UncontrolledInvocations)
            : report.InternalErrors.Count > 0 ? "internal: " + string.Join("; ", report.InternalErrors)
            : null;
        return new Measured("baseline", clock.Elapsed, iterations, (long)report.TotalExploredFairSteps + report.TotalExploredUnfairSteps, null, bug);
    }

    /// <summary>Starts each run from a collected heap, so one side's garbage is not collected on the other's clock.</summary>
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private sealed record Measured(string Side, TimeSpan Elapsed, int Iterations, long? CoyoteSteps, long? RuntimeSteps, string? Bug);
}
