using System.CommandLine;
using System.Globalization;
using Sim.Cli.Configuration;
using Sim.Cli.Output;
using Sim.Runtime.Exploration;
using Sim.Runtime.Stress;

namespace Sim.Cli.Commands;

/// <summary>
/// <c>sim compare SCENARIO [--variant V] [--strategies S,...] [--seeds N,...] [--stress-seconds S] [--markdown]</c>:
/// measures how each exploration strategy finds a variant's bug (iterations and seconds to the first bug, over several
/// seeds), then runs the same variant on real threads for the same wall time and says whether stress ever found it.
/// The figures in docs/ come from this command. Exit 0 when measured; 2 for bad input.
/// </summary>
internal static class CompareCommand
{
    private static readonly Strategy[] s_defaultStrategies = [Strategy.Portfolio, Strategy.Random, Strategy.Prioritization, Strategy.DelayBounding];
    private static readonly uint[] s_defaultSeeds = [1, 17, 123, 4242, 20261125];

    public static Command Create(CliContext context)
    {
        var scenario = new Argument<string>("scenario") { Description = "The scenario to measure (see 'sim list')." };
        var variant = new Option<string>("--variant") { Description = "The variant; default: the scenario's first variant that expects a bug.", HelpName = "NAME" };
        var strategies = new Option<string>("--strategies") { Description = $"Comma-separated strategies; default {string.Join(",", s_defaultStrategies.Select(s => s.Name()))}.", HelpName = "S,..." };
        var seeds = new Option<string>("--seeds") { Description = $"Comma-separated seeds; default {string.Join(",", s_defaultSeeds)}.", HelpName = "N,..." };
        var stressSeconds = new Option<string>("--stress-seconds") { Description = "Stress wall time; default: the total wall time the first strategy's explorations took (at least 1 s).", HelpName = "SECONDS" };
        var markdown = new Option<bool>("--markdown") { Description = "Print the figures as Markdown tables (for docs/)." };
        var settings = SettingOptions.Exploration();
        var command = new Command("compare", "Measure each strategy's iterations and seconds to a variant's bug over several seeds, and stress on real threads for the same wall time.")
        {
            scenario, variant, strategies, seeds, stressSeconds, markdown,
        };
        settings.AddTo(command);
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            var s = Catalog.Scenario(parse.GetValue(scenario)!);
            var variantName = parse.GetValue(variant) ?? s.Variants.FirstOrDefault(v => v.Expected.ExpectsBug)?.Name;
            var target = new VariantRef(s, Catalog.Variant(s, variantName));
            var chosen = ParseList(parse.GetValue(strategies), "--strategies", SettingParsers.Strategy, $"a strategy ({string.Join(", ", StrategyNames.All)})") ?? s_defaultStrategies;
            var seedList = ParseList(parse.GetValue(seeds), "--seeds", t => (uint)SettingParsers.WholeNumber(t, 0, uint.MaxValue), "a whole number from 0 to 4294967295") ?? s_defaultSeeds;
            var stress = parse.GetValue(stressSeconds) is { } text ? TimeSpan.FromSeconds(ParseList(text, "--stress-seconds", t => SettingParsers.Seconds(t, 0.1), "a number of seconds, at least 0.1")![0]) : (TimeSpan?)null;
            var resolved = settings.Resolve(parse, context);
            return Run(context, target, resolved.Settings, chosen, seedList, stress, parse.GetValue(markdown));
        }));
        return command;
    }

    private static int Run(CliContext context, VariantRef target, SimSettings settings, IReadOnlyList<Strategy> strategies, IReadOnlyList<uint> seeds, TimeSpan? stressTime, bool markdown)
    {
        var output = context.Out;
        output.WriteLine($"Compare: {target.Name} (expected: {target.Variant.Expected})");
        output.WriteLine($"Exploration: up to {Format.Count(settings.Iterations)} iterations per run, seeds {string.Join(", ", seeds)}");
        output.WriteLine();

        var program = target.Scenario.Program(target.Variant);
        var rows = new List<Row>();
        foreach (var strategy in strategies)
        {
            var runs = new List<Attempt>();
            foreach (var seed in seeds)
            {
                var options = (settings with { Strategy = strategy }).ToExplorationOptions(seed);
                var result = VariantExploration.Run(target, options);
                var met = target.Variant.Expected.IsMetBy(result.FoundBug ? result.Message : null);
                runs.Add(new Attempt(seed, result.FoundBug, met, result.Iterations, result.Elapsed));
                output.WriteLine($"  {strategy.Name(),-20} seed {seed,-10} {(result.FoundBug ? $"bug in iteration {Format.Count(result.Iterations)}" : $"{result.Outcome.ToString().ToLowerInvariant()} after {Format.Count(result.Iterations)}"),-28} {Format.Duration(result.Elapsed)}");
            }

            rows.Add(new Row(strategy, runs));
        }

        var budget = stressTime ?? TimeSpan.FromSeconds(Math.Max(1, rows[0].Runs.Sum(r => r.Elapsed.TotalSeconds)));
        output.WriteLine();
        output.WriteLine($"Stress on real threads for {Format.Duration(budget)} (the same wall time)...");
        // A hung run is noticed only after the hang timeout: keep it well inside the budget, so that stress gets no more
        // wall time than exploration had (these programs take microseconds per run when they do not hang).
        var configured = settings.ToStressOptions();
        var hangTimeout = TimeSpan.FromTicks(Math.Min(configured.HangTimeout.Ticks, Math.Max(TimeSpan.FromMilliseconds(250).Ticks, budget.Ticks / 4)));
        var stress = StressRunner.Run(program, configured with { Runs = null, Duration = budget, HangTimeout = hangTimeout });

        output.WriteLine();
        if (markdown)
        {
            WriteMarkdown(output, target, settings, seeds, rows, stress);
        }
        else
        {
            foreach (var row in rows)
            {
                output.WriteLine($"{row.Strategy.Name(),-20} found {row.Found}/{row.Runs.Count}   iterations to bug {row.Iterations}   seconds to bug {row.Seconds}");
            }

            output.WriteLine($"{"stress",-20} {Stress(stress)}");
        }

        return ExitCodes.Ok;
    }

    private static void WriteMarkdown(TextWriter output, VariantRef target, SimSettings settings, IReadOnlyList<uint> seeds, List<Row> rows, StressResult stress)
    {
        output.WriteLine($"`{target.Name}`, {Format.Count(settings.Iterations)} iterations per run, seeds {string.Join(", ", seeds)}:");
        output.WriteLine();
        output.WriteLine("| strategy | found | iterations to bug (median, min–max) | seconds to bug (median, max) |");
        output.WriteLine("|---|---:|---:|---:|");
        foreach (var row in rows)
        {
            output.WriteLine($"| {row.Strategy.Name()} | {row.Found}/{row.Runs.Count} | {row.Iterations} | {row.Seconds} |");
        }

        output.WriteLine($"| stress (real threads) | {(stress.FoundBug ? "yes" : "no")} | {Stress(stress)} | |");
        output.WriteLine();
        output.WriteLine($"Command: `dotnet run -c Release --project Cli -- compare {target.Scenario.Name} --variant {target.Variant.Name} --iterations {settings.Iterations} --markdown`");
    }

    private static string Stress(StressResult s) =>
        $"{Format.Count(s.Failures)} failures and {Format.Count(s.Hangs)} hangs in {Format.Count(s.Runs)} runs ({Format.Duration(s.Elapsed)})"
        + (s.TimeToFirstFailure is { } t ? $", first after {Format.Duration(t)}" : string.Empty);

    private static T[]? ParseList<T>(string? text, string flag, Func<string, T> parse, string expected)
    {
        if (text is null)
        {
            return null;
        }

        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0)
        {
            throw new UsageException($"{flag} needs at least one value");
        }

        var parsed = new T[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            try
            {
                parsed[i] = parse(items[i]);
            }
            catch (FormatException)
            {
                throw new UsageException($"{flag}: \"{items[i]}\" is not {expected}");
            }
        }

        return parsed;
    }

    private sealed record Attempt(uint Seed, bool FoundBug, bool Met, int Iterations, TimeSpan Elapsed);

    private sealed record Row(Strategy Strategy, List<Attempt> Runs)
    {
        public int Found => Runs.Count(r => r.Met);

        public string Iterations => Summary(Runs.Where(r => r.Met).Select(r => (double)r.Iterations).ToList(), "N0", withMin: true);

        public string Seconds => Summary(Runs.Where(r => r.Met).Select(r => r.Elapsed.TotalSeconds).ToList(), "0.00", withMin: false);

        private static string Summary(List<double> values, string format, bool withMin)
        {
            if (values.Count == 0)
            {
                return "–";
            }

            values.Sort();
            var median = values[values.Count / 2];
            string F(double v) => v.ToString(format, CultureInfo.InvariantCulture);
            return withMin ? $"{F(median)} ({F(values[0])}–{F(values[^1])})" : $"{F(median)} ({F(values[^1])})";
        }
    }
}
