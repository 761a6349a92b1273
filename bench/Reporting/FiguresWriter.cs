using System.Globalization;
using Sim.Bench.Exploration;
using Sim.Bench.Production;
using Sim.Bench.Stress;
using Sim.Litmus;

namespace Sim.Bench.Reporting;

/// <summary>Renders measured figures as the Markdown sections of bench/README.md.</summary>
internal static class FiguresWriter
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>The exploration section.</summary>
    public static string Exploration(ExplorationFigures f, RunInfo run)
    {
        var lines = new List<string> { "### Exploration throughput", string.Empty };
        lines.AddRange(run.Header());
        lines.Add($"- Setup: random strategy, seed {CoyoteSettings.Seed}, the same iterations per run on every side, telemetry off, a silent logger; " +
            $"{f.Rounds} rounds of five runs: ours (race detector, coverage and schedule recorder on, OS threads reused across iterations, as every exploration runs), ours without the race detector, ours without the schedule recorder, ours with a new OS thread per simulated thread, and the baseline, " +
            "in an order that rotates every round; wall time of the whole run, engine creation included; the median run of each side is reported, and the median of the rounds' cost-per-step ratios is the headline.");
        lines.Add("- Steps are Coyote's own step statistics (`TestReport.TotalExploredFairSteps + TotalExploredUnfairSteps`), " +
            "for ours as `ExplorationResult.CoyoteSteps` reports them.");
        lines.Add($"- Sanity: {f.Sanity}.");
        lines.Add(string.Empty);
        lines.Add("| Workload | Side | Iterations per run | Coyote steps per iteration | Iterations/s | Steps/s | Cost per step |");
        lines.Add("|---|---|---:|---:|---:|---:|---:|");
        foreach (var w in f.Workloads)
        {
            var runtimePoints = w.Ours.RuntimeSteps is { } rs ? $" (Runtime points: {(double)rs / w.Iterations:0.#})" : string.Empty;
            lines.Add($"| {w.Workload.Name} | ours (Runtime, `Explorer.Explore`) | {w.Iterations} | {Fmt((double)w.Ours.CoyoteSteps / w.Iterations, "0.#")}{runtimePoints} | " +
                $"{Fmt(w.IterationsPerSecond(w.Ours), "N0")} | {Fmt(w.Ours.StepsPerSecond, "N0")} | {Micros(w.Ours.MedianNanosPerStep)} |");
            lines.Add($"| {w.Workload.Name} | ours without the race detector | {w.Iterations} | {Fmt((double)w.OursWithoutRaces.CoyoteSteps / w.Iterations, "0.#")} | " +
                $"{Fmt(w.IterationsPerSecond(w.OursWithoutRaces), "N0")} | {Fmt(w.OursWithoutRaces.StepsPerSecond, "N0")} | {Micros(w.OursWithoutRaces.MedianNanosPerStep)} |");
            lines.Add($"| {w.Workload.Name} | ours without the schedule recorder | {w.Iterations} | {Fmt((double)w.Unrecorded.CoyoteSteps / w.Iterations, "0.#")} | " +
                $"{Fmt(w.IterationsPerSecond(w.Unrecorded), "N0")} | {Fmt(w.Unrecorded.StepsPerSecond, "N0")} | {Micros(w.Unrecorded.MedianNanosPerStep)} |");
            lines.Add($"| {w.Workload.Name} | ours with a new OS thread per simulated thread | {w.Iterations} | {Fmt((double)w.Unpooled.CoyoteSteps / w.Iterations, "0.#")} | " +
                $"{Fmt(w.IterationsPerSecond(w.Unpooled), "N0")} | {Fmt(w.Unpooled.StepsPerSecond, "N0")} | {Micros(w.Unpooled.MedianNanosPerStep)} |");
            lines.Add($"| {w.Workload.Name} | baseline (Coyote `Operation` API) | {w.Iterations} | {Fmt((double)w.Baseline.CoyoteSteps / w.Iterations, "0.#")} | " +
                $"{Fmt(w.IterationsPerSecond(w.Baseline), "N0")} | {Fmt(w.Baseline.StepsPerSecond, "N0")} | {Micros(w.Baseline.MedianNanosPerStep)} |");
        }

        lines.Add(string.Empty);
        lines.Add("| Workload | Cost per step, ours (detector and recorder on) / baseline (median of the rounds' ratios) | Rounds' ratios (min to max) | Ratio of the two medians | Target | Met |");
        lines.Add("|---|---:|---:|---:|---:|---|");
        foreach (var w in f.Workloads)
        {
            var rounds = w.RoundRatios;
            lines.Add($"| {w.Workload.Name} | **{Fmt(w.CostPerStepRatio, "0.00")}x** | {Fmt(rounds.Min(), "0.00")}x to {Fmt(rounds.Max(), "0.00")}x | " +
                $"{Fmt(w.RatioOfMedians, "0.00")}x | " +
                (w.MeetsTarget is { } met ? $"<= {Fmt(ExplorationBenchmark.Target, "0.00")}x | {Met(met)} |" : "none (diagnostic) | |"));
        }

        lines.Add(string.Empty);
        lines.Add("What the race detector (vector clocks, a check of every plain access) and the schedule recorder (at every scheduling decision, the thread that ran, the threads that could have, and what it did) each cost, both on in every exploration, and what reusing OS threads across iterations saves (below 1: ours is cheaper with it):");
        lines.Add(string.Empty);
        lines.Add("| Workload | Race detector: ours / ours without it (median of the rounds' ratios) | Rounds' ratios (min to max) | Recorder: ours / ours without it (median) | Rounds' ratios (min to max) | Thread reuse: ours / ours with a new OS thread per simulated thread (median) | Rounds' ratios (min to max) |");
        lines.Add("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var w in f.Workloads)
        {
            lines.Add($"| {w.Workload.Name} | **{Fmt(w.DetectorCostRatio, "0.00")}x** | {Fmt(w.DetectorRounds.Min(), "0.00")}x to {Fmt(w.DetectorRounds.Max(), "0.00")}x | " +
                $"**{Fmt(w.RecorderRatio, "0.00")}x** | {Fmt(w.RecorderRounds.Min(), "0.00")}x to {Fmt(w.RecorderRounds.Max(), "0.00")}x | " +
                $"**{Fmt(w.ReuseRatio, "0.00")}x** | {Fmt(w.ReuseRounds.Min(), "0.00")}x to {Fmt(w.ReuseRounds.Max(), "0.00")}x |");
        }

        return string.Join('\n', lines);
    }

    /// <summary>The production section.</summary>
    public static string Production(ProductionFigures f, RunInfo run)
    {
        var lines = new List<string> { "### Production mode", string.Empty };
        lines.AddRange(run.Header());
        lines.Add($"- BenchmarkDotNet job: {f.Job}; mean time per operation, with its standard error; allocations from `[MemoryDiagnoser]`.");
        lines.Add(string.Empty);
        lines.Add("| Ours | ns/op | Baseline | ns/op | Ours / baseline | Target | Met | Allocated (ours, baseline) |");
        lines.Add("|---|---:|---|---:|---:|---:|---|---|");
        foreach (var c in ProductionBenchmark.Comparisons)
        {
            lines.Add(Row(f, c, withTarget: true));
        }

        lines.Add(string.Empty);
        lines.Add("What PyMutex's uncontended Lock+Unlock is made of, each part measured alone:");
        lines.Add(string.Empty);
        lines.Add("| Part | ns/op | Against | ns/op | Ratio | | | Allocated (part, against) |");
        lines.Add("|---|---:|---|---:|---:|---:|---|---|");
        foreach (var c in ProductionBenchmark.LockParts)
        {
            lines.Add(Row(f, c, withTarget: false));
        }

        lines.Add(string.Empty);
        lines.Add("Where `AtomicInt.FetchAdd`'s time goes:");
        lines.Add(string.Empty);
        lines.Add("| Variant | ns/op | Against | ns/op | Ratio | | | Allocated (variant, against) |");
        lines.Add("|---|---:|---|---:|---:|---:|---|---|");
        foreach (var c in ProductionBenchmark.AtomicParts)
        {
            lines.Add(Row(f, c, withTarget: false));
        }

        lines.Add(string.Empty);
        lines.Add("Our Runtime's own work per access in controlled mode, apart from Coyote's scheduler (compare with the cost per step in the exploration table):");
        lines.Add(string.Empty);
        lines.Add("| Ours | ns/step | Baseline | ns/step | Ratio | | | Allocated per step (ours, baseline) |");
        lines.Add("|---|---:|---|---:|---:|---:|---|---|");
        foreach (var c in ProductionBenchmark.ControlledStep)
        {
            lines.Add(Row(f, c, withTarget: false));
        }

        return string.Join('\n', lines);
    }

    /// <summary>The stress section.</summary>
    public static string Stress(StressFigures f, RunInfo run)
    {
        var lines = new List<string> { "### Stress: overlap and runs per second", string.Empty };
        lines.AddRange(run.Header());
        lines.Add($"- Setup: each setting ran for {Fmt(f.Slice.TotalSeconds, "0.0")} s per round, {f.Rounds} rounds, the settings alternating (the order flips every round); " +
            "the first setting is how `sim stress` ran before the pool and the gate, measured in the same run.");
        lines.Add(string.Empty);
        lines.Add("The overlap probe: two threads, each noting the time, doing N atomic increments through the Runtime's `AtomicInt`, and noting the time " +
            "again. Overlap: the share of runs in which each body started before the other ended. Start lag: the distance between the two start times.");
        lines.Add(string.Empty);
        lines.Add("| Operations per body | Setting | Runs | Bodies overlap | Start lag, median | Start lag, p90 | Body, median | Runs/s |");
        lines.Add("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var p in f.Probes)
        {
            foreach (var (setting, stats, rate) in p.Rows)
            {
                lines.Add($"| {Fmt(p.Operations, "N0")} | {setting.Name} | {Fmt(stats.Runs, "N0")} | **{Fmt(stats.OverlapFraction * 100, "0.0")} %** | " +
                    $"{Micros(stats.MedianLagNanos)} | {Micros(stats.P90LagNanos)} | {Micros(stats.MedianBodyNanos)} | {Fmt(rate, "N0")} |");
            }
        }

        lines.Add(string.Empty);
        lines.Add("Runs per second of corpus variants (clean ones, so that every run goes to its end):");
        lines.Add(string.Empty);
        lines.Add($"| Variant | {string.Join(" | ", StressBenchmark.Settings.Select(s => s.Name))} |");
        lines.Add($"|---|{string.Concat(StressBenchmark.Settings.Select(_ => "---:|"))}");
        foreach (var v in f.Variants)
        {
            var baseline = v.Rows[0].RunsPerSecond;
            lines.Add($"| `{v.Name}` | {string.Join(" | ", v.Rows.Select((r, i) => i == 0 ? Fmt(r.RunsPerSecond, "N0") : $"{Fmt(r.RunsPerSecond, "N0")} ({Fmt(r.RunsPerSecond / baseline, "0.0")}x)"))} |");
        }

        lines.Add(string.Empty);
        lines.Add($"The store-buffering litmus test (pool and start gate, no noise; {Fmt(StoreBufferingLitmus.Slots, "N0")} pairs of variables per run, the two threads meeting before each): " +
            "both loads reading 0 is forbidden with sequentially consistent stores and allowed with release stores. A count above zero for release stores shows that the unit test of seq_cst stores could fail.");
        lines.Add(string.Empty);
        lines.Add("| Stores | Runs | Runs where both loads read 0 in some slot | Slots where both read 0 |");
        lines.Add("|---|---:|---:|---:|");
        foreach (var (order, (runs, runsWithBoth, slots)) in f.Litmus)
        {
            lines.Add($"| {order} | {Fmt(runs, "N0")} | {Fmt(runsWithBoth, "N0")} | **{Fmt(slots, "N0")}** |");
        }

        return string.Join('\n', lines);
    }

    private static string Row(ProductionFigures f, Comparison c, bool withTarget)
    {
        if (!f.Has(c))
        {
            return $"| {c.Ours} | not measured in this run (--filter) | | | | | | |";
        }

        var ours = f.Results[c.OursMethod];
        var baseline = f.Results[c.BaselineMethod];
        var ratio = f.Ratio(c);
        var target = withTarget && c.Target is { } t ? $"<= {Fmt(t, "0.0")}x" : withTarget ? "none set" : string.Empty;
        var met = withTarget && c.Target is { } t2 ? Met(ratio <= t2) : string.Empty;

        // A baseline within two standard errors of zero (a field access the JIT folds into the loop) has no meaningful ratio.
        var shown = baseline.MeanNanos > 2 * baseline.StandardErrorNanos && baseline.MeanNanos >= 0.05
            ? $"**{Fmt(ratio, "0.00")}x**"
            : "n/a (baseline below resolution)";
        return $"| {c.Ours} | {Ns(ours)} | {c.Baseline} | {Ns(baseline)} | {shown} | {target} | {met} | {Bytes(ours)}, {Bytes(baseline)} |";
    }

    private static string Ns(Measurement m) => $"{Fmt(m.MeanNanos, "0.00")} ± {Fmt(m.StandardErrorNanos, "0.00")}";

    private static string Bytes(Measurement m) => m.AllocatedBytes is { } b ? $"{b} B" : "?";

    private static string Micros(double nanos) => $"{Fmt(nanos / 1000, "0.00")} µs";

    private static string Met(bool met) => met ? "yes" : "**no**";

    private static string Fmt(double v, string format) => v.ToString(format, s_inv);
}
