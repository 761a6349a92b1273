using Sim.Runtime.Cells;
using Sim.Runtime.Stress;
using Sim.Scenarios.Catalog;
using Sim.Litmus;

namespace Sim.Bench.Stress;

/// <summary>
/// Measures how much the threads of a stress run overlap (the overlap probe) and how many runs per second stress makes,
/// for each way of launching threads, the way stress ran before the pool and the gate (<see cref="ThreadLaunch.Fresh"/>)
/// being the baseline. The settings alternate over several rounds (the order flips every round), so that a change of the
/// machine's load during the run falls on all of them alike.
/// </summary>
internal static class StressBenchmark
{
    /// <summary>Atomic increments per probe body: the issue's probe used bodies of up to 1,000 operations.</summary>
    public static readonly int[] BodySizes = [10, 100, 1000];

    /// <summary>The settings compared, the baseline first.</summary>
    public static readonly StressSetting[] Settings =
    [
        new("before: a new OS thread per simulated thread, no noise", ThreadLaunch.Fresh, 0),
        new("OS threads from a pool, no gate, no noise", ThreadLaunch.Pooled, 0),
        new("pool and start gate, no noise", ThreadLaunch.Gated, 0),
        new($"pool, start gate and noise {StressOptions.DefaultNoiseRate} (sim stress's default)", ThreadLaunch.Gated, StressOptions.DefaultNoiseRate),
    ];

    /// <summary>Corpus variants whose runs per second are measured, clean ones so that every run goes to its end.</summary>
    public static readonly (string Scenario, string Variant)[] Variants =
    [
        ("pymutex-wakeup", "cpython-3.13"),
        ("thread-join-race", "thread-handle-3.13"),
    ];

    /// <summary>Runs every measurement; throws <see cref="HarnessException"/> if a run failed.</summary>
    public static StressFigures Run(bool quick, TextWriter log)
    {
        var rounds = quick ? 1 : 3;
        var slice = TimeSpan.FromSeconds(quick ? 0.1 : 0.5);
        var probes = new List<ProbeFigures>();
        foreach (var size in BodySizes)
        {
            log.WriteLine($"  overlap probe, {size} operations per body: {rounds} rounds of {slice.TotalSeconds:0.0} s per setting");
            var perSetting = Settings.Select(_ => new OverlapProbe(size)).ToArray();
            var elapsed = new TimeSpan[Settings.Length];
            for (var r = 0; r < rounds; r++)
            {
                foreach (var i in Order(r))
                {
                    var result = StressRunner.Run(perSetting[i].Program, Options(Settings[i], slice));
                    Check(result, $"the overlap probe ({size} operations, {Settings[i].Name})");
                    elapsed[i] += result.Elapsed;
                }
            }

            probes.Add(new ProbeFigures(size, [.. Settings.Select((s, i) => (s, perSetting[i].Stats(), perSetting[i].Stats().Runs / elapsed[i].TotalSeconds))]));
        }

        var variants = new List<VariantFigures>();
        foreach (var (scenarioName, variantName) in Variants)
        {
            var scenario = ScenarioCatalog.Default.Find(scenarioName) ?? throw new HarnessException($"no scenario {scenarioName}");
            var variant = scenario.FindVariant(variantName) ?? throw new HarnessException($"no variant {scenarioName}/{variantName}");
            var program = scenario.Program(variant);
            log.WriteLine($"  runs/s of {scenarioName}/{variantName}");
            var runs = new int[Settings.Length];
            var elapsed = new TimeSpan[Settings.Length];
            for (var r = 0; r < rounds; r++)
            {
                foreach (var i in Order(r))
                {
                    var result = StressRunner.Run(program, Options(Settings[i], slice));
                    Check(result, $"{scenarioName}/{variantName} ({Settings[i].Name})");
                    runs[i] += result.Runs;
                    elapsed[i] += result.Elapsed;
                }
            }

            variants.Add(new VariantFigures($"{scenarioName}/{variantName}", [.. Settings.Select((s, i) => (s, runs[i] / elapsed[i].TotalSeconds))]));
        }

        log.WriteLine("  store-buffering litmus test, release and seq_cst stores");
        var litmus = new[] { new StoreBufferingLitmus(MemoryOrder.Release), new StoreBufferingLitmus(MemoryOrder.SeqCst) };
        for (var r = 0; r < rounds; r++)
        {
            foreach (var l in r % 2 == 0 ? litmus : litmus.Reverse())
            {
                var result = StressRunner.Run(l.Program, Options(Settings[2], slice));
                if (result.FoundBug || result.Runs == 0)
                {
                    throw new HarnessException($"the store-buffering litmus test ({l.StoreOrder}): {string.Join("; ", result.Messages.Keys)}");
                }
            }
        }

        if (litmus[1].Counts.SlotsWithBoth > 0)
        {
            throw new HarnessException($"the store-buffering litmus test saw both loads read 0 with seq_cst stores in {litmus[1].Counts.SlotsWithBoth} slots");
        }

        return new StressFigures(rounds, slice, probes, variants, [.. litmus.Select(l => (l.StoreOrder, l.Counts))]);
    }

    private static StressOptions Options(StressSetting s, TimeSpan slice) => new()
    {
        Duration = slice,
        Launch = s.Launch,
        NoiseRate = s.NoiseRate,
        HangTimeout = TimeSpan.FromSeconds(10),
        MaxHangs = 1,
    };

    private static IEnumerable<int> Order(int round) =>
        round % 2 == 0 ? Enumerable.Range(0, Settings.Length) : Enumerable.Range(0, Settings.Length).Reverse();

    private static void Check(StressResult result, string what)
    {
        if (result.FoundBug || result.Runs == 0)
        {
            throw new HarnessException($"{what}: {result.Runs} runs, {result.Failures} failures, {result.Hangs} hangs: {string.Join("; ", result.Messages.Keys)}");
        }
    }
}

/// <summary>One way of running stress: how threads are launched and the noise rate.</summary>
internal sealed record StressSetting(string Name, ThreadLaunch Launch, double NoiseRate);

/// <summary>The overlap probe with one body size, per setting: its statistics and runs per second.</summary>
internal sealed record ProbeFigures(int Operations, IReadOnlyList<(StressSetting Setting, OverlapStats Stats, double RunsPerSecond)> Rows);

/// <summary>Runs per second of one corpus variant, per setting.</summary>
internal sealed record VariantFigures(string Name, IReadOnlyList<(StressSetting Setting, double RunsPerSecond)> Rows);

/// <summary>Everything the stress section measured.</summary>
internal sealed record StressFigures(
    int Rounds,
    TimeSpan Slice,
    IReadOnlyList<ProbeFigures> Probes,
    IReadOnlyList<VariantFigures> Variants,
    IReadOnlyList<(MemoryOrder StoreOrder, (long Runs, long RunsWithBoth, long SlotsWithBoth) Counts)> Litmus);
