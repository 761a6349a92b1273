using System.Diagnostics;
using Sim.Runtime;
using Sim.Runtime.Exploration;

namespace Sim.Bench.Exploration;

/// <summary>
/// Measures exploration throughput: each workload on our Runtime (through the public <see cref="Explorer.Explore"/>)
/// and on Coyote's Operation API (the baseline), under the same Coyote configuration (random strategy, same seed, same
/// iterations, telemetry off, a silent logger). The two alternate for several rounds (the order flips every round) and
/// the median run of each side is reported. Steps are Coyote's own step statistics for both sides (<see cref="ExplorationResult.CoyoteSteps"/> for ours).
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
        var options = CoyoteSettings.Options(iterations);
        var withoutRaces = options with { DetectRaces = false };

        // Warm-up: JIT and first-use costs on every side.
        var warm = CoyoteSettings.Options(Math.Max(2, iterations / 10));
        RunOurs(program, warm);
        RunOurs(program, warm with { DetectRaces = false });
        RunBaseline(test, warm);

        // Three sides per round, in an order that rotates every round, so that no side always runs first or last.
        var sides = new Func<Measured>[] { () => RunOurs(program, options), () => RunOurs(program, withoutRaces, "ours, race detection off"), () => RunBaseline(test, options) };
        var runs = sides.Select(_ => new List<Measured>()).ToArray();
        for (var r = 0; r < rounds; r++)
        {
            for (var k = 0; k < sides.Length; k++)
            {
                var side = (r + k) % sides.Length;
                runs[side].Add(sides[side]());
            }

            log.WriteLine($"    round {r + 1}: ours {runs[0][^1].Elapsed.TotalMilliseconds:0} ms, without race detection {runs[1][^1].Elapsed.TotalMilliseconds:0} ms, baseline {runs[2][^1].Elapsed.TotalMilliseconds:0} ms");
        }

        foreach (var side in runs)
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

        if (runs[0][0].CoyoteSteps != runs[1][0].CoyoteSteps)
        {
            throw new HarnessException($"{w.Name}: race detection changed the schedules ({runs[0][0].CoyoteSteps} steps with it, {runs[1][0].CoyoteSteps} without)");
        }

        SideFigures Figures(List<Measured> side) => new(side[0].CoyoteSteps!.Value, side[0].RuntimeSteps, [.. side.Select(x => x.Elapsed)]);
        return new WorkloadFigures(w, (int)iterations, Figures(runs[0]), Figures(runs[2])) { OursWithoutRaces = Figures(runs[1]) };
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
