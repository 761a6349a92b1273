using System.CommandLine;
using System.Globalization;
using Sim.Cli.Configuration;
using Sim.Cli.Hunting;
using Sim.Cli.Output;
using Sim.Runtime.Exploration;
using Sim.Runtime.Stress;
using Sim.Scenarios.Catalog;

namespace Sim.Cli.Commands;

/// <summary>
/// <c>sim compare [SCENARIO [--variant V]] [--strategies S,...] [--seeds N,...] [--stress-seconds S] [--markdown]</c>:
/// measures how each exploration strategy finds a variant's bug (iterations and seconds to the first bug, over several
/// seeds), then runs the same variant on real threads for the same wall time and says whether stress ever found it;
/// without a scenario, every variant that expects a bug. The figures in docs/ come from this command. Exit 0 when
/// measured; 2 for bad input.
/// </summary>
internal static class CompareCommand
{
    private static readonly Strategy[] s_defaultStrategies = [Strategy.Portfolio, Strategy.Random, Strategy.Prioritization, Strategy.DelayBounding];
    private static readonly uint[] s_defaultSeeds = [1, 17, 123, 4242, 20261125];

    public static Command Create(CliContext context)
    {
        var scenario = new Argument<string?>("scenario") { Description = "The scenario to measure (see 'sim list'); omit it to measure every variant that expects a bug.", Arity = ArgumentArity.ZeroOrOne };
        var variant = new Option<string>("--variant") { Description = "The variant; default: the scenario's first variant that expects a bug.", HelpName = "NAME" };
        var strategies = new Option<string>("--strategies") { Description = $"Comma-separated strategies; default {string.Join(",", s_defaultStrategies.Select(s => s.Name()))}.", HelpName = "S,..." };
        var seeds = new Option<string>("--seeds") { Description = $"Comma-separated seeds; default {string.Join(",", s_defaultSeeds)}.", HelpName = "N,..." };
        var stressSeconds = new Option<string>("--stress-seconds") { Description = "Stress wall time per variant; default: the total wall time the first strategy's explorations took (at least 1 s).", HelpName = "SECONDS" };
        var markdown = new Option<bool>("--markdown") { Description = "End with a Markdown table, one row per variant (for docs/)." };
        var settings = SettingOptions.Exploration();
        var command = new Command("compare", "Measure each strategy's iterations and seconds to a bug over several seeds, and stress on real threads for the same wall time.")
        {
            scenario, variant, strategies, seeds, stressSeconds, markdown,
        };
        settings.AddTo(command);
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            var targets = Targets(parse.GetValue(scenario), parse.GetValue(variant));
            var chosen = ParseList(parse.GetValue(strategies), "--strategies", SettingTypes.Strategy, $"a strategy ({string.Join(", ", StrategyNames.All)})") ?? s_defaultStrategies;
            var seedList = ParseList(parse.GetValue(seeds), "--seeds", SettingTypes.Whole(0, uint.MaxValue), "a whole number from 0 to 4294967295")?.Select(s => (uint)s).ToArray() ?? s_defaultSeeds;
            var stress = parse.GetValue(stressSeconds) is { } text ? TimeSpan.FromSeconds(ParseList(text, "--stress-seconds", SettingTypes.Seconds(0.1), "a number of seconds, at least 0.1")![0]) : (TimeSpan?)null;
            var resolved = settings.Resolve(parse, context);
            var plan = new Plan(resolved.Settings, chosen, seedList, stress);
            var measured = targets.Select(t => Measure(context.Out, t, plan)).ToList();
            context.Out.WriteLine();
            foreach (var m in measured)
            {
                m.WriteSummary(context.Out);
            }

            if (parse.GetValue(markdown))
            {
                context.Out.WriteLine();
                WriteMarkdown(context.Out, plan, measured, parse.GetValue(scenario) is null ? string.Empty : $" {targets[0].Scenario.Name} --variant {targets[0].Variant.Name}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static List<VariantRef> Targets(string? scenarioName, string? variantName)
    {
        if (scenarioName is null)
        {
            if (variantName is not null)
            {
                throw new UsageException("--variant needs a scenario; omit both to measure every variant that expects a bug");
            }

            return [.. Catalog.All.SelectMany(s => s.Variants.Where(v => v.Expected.ExpectsBug).Select(v => new VariantRef(s, v)))];
        }

        var s = Catalog.Scenario(scenarioName);
        return [new VariantRef(s, Catalog.Variant(s, variantName ?? s.Variants.FirstOrDefault(v => v.Expected.ExpectsBug)?.Name))];
    }

    private static Measured Measure(TextWriter output, VariantRef target, Plan plan)
    {
        output.WriteLine($"{target.Name} (expected: {target.Variant.Expected}): up to {Format.Count(plan.Settings.Exploration.Iterations)} iterations per run");
        var rows = new List<Row>();
        foreach (var strategy in plan.Strategies)
        {
            var runs = new List<Attempt>();
            foreach (var seed in plan.Seeds)
            {
                // Time to the bug only: no shrinking after it, no preemption-bounded search after a miss.
                var options = plan.Settings.ToExplorationOptions(seed) with { Strategy = strategy, ShrinkRuns = 0, BoundedSchedules = 0 };
                var result = VariantExploration.Run(target, options);
                var met = Verdict.Judge(target.Variant.Expected, result, options.Iterations).IsMet;
                runs.Add(new Attempt(seed, met, result.Iterations, result.Elapsed));
                var what = result.FoundBug ? $"bug in iteration {Format.Count(result.Iterations)}{(met ? string.Empty : " (not the expected one)")}" : $"{Json.Name(result.Outcome)} after {Format.Count(result.Iterations)}";
                output.WriteLine($"  {strategy.Name(),-20} seed {seed,-10} {what,-40} {Format.Duration(result.Elapsed)}");
            }

            rows.Add(new Row(strategy, runs));
        }

        // Stress gets the wall time the first strategy's explorations took. A hung run is noticed only after the hang
        // timeout, so keep that well inside the budget: these programs take microseconds per run when they do not hang.
        var budget = plan.StressTime ?? TimeSpan.FromSeconds(Math.Max(1, rows[0].Runs.Sum(r => r.Elapsed.TotalSeconds)));
        var configured = plan.Settings.Stress;
        var hangTimeout = TimeSpan.FromTicks(Math.Min(configured.HangTimeout.Ticks, Math.Max(TimeSpan.FromMilliseconds(250).Ticks, budget.Ticks / 4)));
        output.WriteLine($"  stress on real threads for {Format.Duration(budget)} (the same wall time)...");
        var stress = StressRunner.Run(target.Scenario.Program(target.Variant), configured with { Runs = null, Duration = budget, HangTimeout = hangTimeout });
        return new Measured(target, rows, stress);
    }

    private static void WriteMarkdown(TextWriter output, Plan plan, List<Measured> measured, string commandTarget)
    {
        output.WriteLine(
            $"Each cell: seeds that found the expected bug within {Format.Count(plan.Settings.Exploration.Iterations)} iterations · iterations to the bug, median (min–max) · " +
            $"seconds to the bug, median (max). Seeds {string.Join(", ", plan.Seeds)}. Stress: runs on real threads for the total wall time of the first " +
            "strategy's explorations (at least 1 s).");
        output.WriteLine();
        output.WriteLine($"| variant | {string.Join(" | ", plan.Strategies.Select(s => s.Name()))} | stress, same wall time |");
        output.WriteLine($"|---|{string.Concat(plan.Strategies.Select(_ => "---|"))}---|");
        foreach (var m in measured)
        {
            output.WriteLine($"| `{m.Target.Name}` | {string.Join(" | ", m.Rows.Select(r => r.Cell))} | {Stress(m.Stress)} |");
        }

        output.WriteLine();
        output.WriteLine($"Command: `dotnet run -c Release --project Cli -- compare{commandTarget} --iterations {plan.Settings.Exploration.Iterations} --markdown`");
    }

    private static string Stress(StressResult s) =>
        $"{(s.FoundBug ? "found" : "not found")}: {Format.Count(s.Failures)} failures, {Format.Count(s.Hangs)} hangs in {Format.Count(s.Runs)} runs ({Format.Duration(s.Elapsed)})";

    private static T[]? ParseList<T>(string? text, string flag, SettingType<T> type, string expected)
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
                parsed[i] = type.Parse(new SettingInput(items[i], string.Empty));
            }
            catch (FormatException)
            {
                throw new UsageException($"{flag}: \"{items[i]}\" is not {expected}");
            }
        }

        return parsed;
    }

    private sealed record Plan(SimSettings Settings, IReadOnlyList<Strategy> Strategies, IReadOnlyList<uint> Seeds, TimeSpan? StressTime);

    private sealed record Attempt(uint Seed, bool Met, int Iterations, TimeSpan Elapsed);

    private sealed record Measured(VariantRef Target, List<Row> Rows, StressResult Stress)
    {
        public void WriteSummary(TextWriter output)
        {
            output.WriteLine(Target.Name);
            foreach (var row in Rows)
            {
                output.WriteLine($"  {row.Strategy.Name(),-20} {row.Cell}");
            }

            output.WriteLine($"  {"stress",-20} {CompareCommand.Stress(Stress)}");
        }
    }

    private sealed record Row(Strategy Strategy, List<Attempt> Runs)
    {
        public string Cell
        {
            get
            {
                var met = Runs.Where(r => r.Met).ToList();
                var found = $"{met.Count}/{Runs.Count}";
                if (met.Count == 0)
                {
                    return found;
                }

                var iterations = met.Select(r => (double)r.Iterations).Order().ToList();
                var seconds = met.Select(r => r.Elapsed.TotalSeconds).Order().ToList();
                string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
                return $"{found} · {F(Median(iterations), "N0")} ({F(iterations[0], "N0")}–{F(iterations[^1], "N0")}) · {F(Median(seconds), "0.00")} s (max {F(seconds[^1], "0.00")} s)";
            }
        }

        private static double Median(List<double> sorted) =>
            sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
