using System.CommandLine;
using Sim.Cli.Hunting;
using Sim.Cli.Output;
using Sim.Cli.Reports;
using Sim.Cli.Timeline;
using Sim.Runtime.Coverage;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Catalog;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Sim.Cli.Commands;

/// <summary>
/// <c>sim hunt</c>: explores every scenario variant (or those <c>--scenario</c> selects) with the same settings and
/// checks each against its expected outcome (<see cref="HuntLoop"/>), under a live or a plain view. Prints a summary
/// table; the loop writes the trace of every bug found, <c>hunt.json</c> and <c>hunt.junit.xml</c> to the output
/// folder. Exit 0 only if every expectation held; 1 otherwise; 2 for bad input.
/// </summary>
internal static class HuntCommand
{
    public static Command Create(CliContext context)
    {
        var scenarios = new Option<string[]>("--scenario")
        {
            Description = "Hunt only these scenarios: a name or glob (pymutex-*), or scenario/variant globs (*/cpython-3.13); repeatable.",
            HelpName = "PATTERN",
            AllowMultipleArgumentsPerToken = false,
        };
        var shard = new Option<string>("--shard")
        {
            Description = $"Run only shard K of N (1-based), for CI machines that split the hunt (see --split); default: from {Shard.IndexVariable} (from 0) and {Shard.CountVariable} when both are set (a Kubernetes Indexed Job), else the whole hunt.",
            HelpName = "K/N",
        };
        var split = new Option<string>("--split")
        {
            Description = "What --shard divides: 'variants' (default: every N-th variant from the K-th) or 'iterations' (every variant, with the K-th slice of its iterations and seeds).",
            HelpName = "variants|iterations",
        };
        var jobs = new Option<string>("--jobs")
        {
            Description = "Explore this many variants side by side, each in a worker process of its own (one exploration per process); default 1. Same verdicts as one process.",
            HelpName = "N",
        };
        var timeLimit = new Option<string>("--hunt-time-limit")
        {
            Description = "Stop the whole hunt after this many seconds (the variants in progress too) and report the variants that finished.",
            HelpName = "SECONDS",
        };
        var settings = SettingOptions.Exploration();
        var command = new Command("hunt", "Explore every scenario variant against its expected outcome; write traces and JSON/JUnit reports.") { scenarios, shard, split, jobs, timeLimit };
        var sources = new ScenarioSourceOptions();
        sources.AddTo(command);
        settings.AddTo(command);
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            var patterns = parse.GetValue(scenarios) ?? [];
            var part = Shard.Parse(parse.GetValue(shard), context.Environment, ParseSplit(parse.GetValue(split)));
            var catalog = sources.Load(parse, context);
            var selected = part.Select(catalog.Select(patterns));
            var resolved = settings.Resolve(parse, context);
            if (!part.IsWhole && resolved.Settings.Exploration.Seed is null)
            {
                throw new UsageException($"shard {part} needs a fixed seed, the same in every shard: give --seed N (or set \"seed\" in {Configuration.ConfigFile.FileName})");
            }

            var options = resolved.Settings.ToExplorationOptions(resolved.Seed);
            if (part.CheckSlices(options.Iterations) is { } problem)
            {
                throw new UsageException(problem);
            }

            if (part is { IsWhole: false, Split: ShardSplit.Iterations } && options.Strategy == Strategy.PreemptionBounded)
            {
                throw new UsageException("the preemption-bounded search enumerates one variant's schedules in a single order, so its iterations cannot be split between shards: give --split variants, or another --strategy");
            }

            var plan = new HuntPlan(selected, options, resolved.Settings.OutputDirectory, part, resolved.File?.FullPath)
            {
                Selection = patterns,
                Assemblies = catalog.Assemblies,
                Jobs = ParseWhole(parse.GetValue(jobs), "--jobs", 1, 1024) ?? 1,
                TimeLimit = ParseWhole(parse.GetValue(timeLimit), "--hunt-time-limit", 1, int.MaxValue) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            };
            using var hold = HuntLoop.Prepare(plan);
            context.Out.WriteLine($"Hunting {selected.Count} variants of {Format.Plural(selected.Select(v => v.Scenario).Distinct().Count(), "scenario")}{Describe.Shard(part, options)}{(plan.Jobs > 1 ? $" in {plan.Jobs} worker processes" : string.Empty)}");
            context.Out.WriteLine($"Settings: {Describe.Options(plan.Options)}");
            context.Out.WriteLine($"Config:   {Describe.Source(resolved, context)}");
            context.Out.WriteLine($"Output:   {context.Show(plan.OutputDirectory)}");
            context.Out.WriteLine();
            using var interruption = Interruption.Listen(context);
            var report = HuntView.For(context, plan).Show(progress => HuntLoop.Run(plan, progress, hold, interruption.Token));
            WriteSummary(context, report, plan.OutputDirectory);
            return report.Interrupted ? ExitCodes.Interrupted
                : report.Results.Any(e => e.Outcome == Outcome.ToolError) ? ExitCodes.ToolError
                : report.Passed ? ExitCodes.Ok
                : ExitCodes.Finding;
        }));
        return command;
    }

    private static ShardSplit ParseSplit(string? text) => text switch
    {
        null or "variants" => ShardSplit.Variants,
        "iterations" => ShardSplit.Iterations,
        _ => throw new UsageException($"--split \"{text}\" is not valid: give 'variants' or 'iterations'"),
    };

    private static int? ParseWhole(string? text, string flag, int min, int max) =>
        text is null ? null
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n
        : throw new UsageException($"{flag} \"{text}\" is not valid: give a whole number from {min} to {max}");

    private static void WriteSummary(CliContext context, HuntReport report, string output)
    {
        var console = context.Console;
        context.Out.WriteLine();

        // Laid out for the width the console renders at: on a terminal its own, which COLUMNS (rarely exported) need not give.
        console.Write(Summary(report.Results, console.Profile.Width));
        foreach (var e in report.Results.Where(e => e.Verdict != VerdictKind.Met))
        {
            context.Out.WriteLine($"{HuntView.Word(e.Verdict)}: {e.Scenario}/{e.Variant}: {e.Explanation}"
                + (e.Trace is null ? string.Empty : $" (replay: {Describe.ReplayCommand(context, Path.Combine(output, e.Trace))})"));
        }

        context.Out.WriteLine();
        var summary = $"{report.Total} variants: {report.Met} met, {report.NotMet} not met, {report.Errors} errors in {Format.Duration(TimeSpan.FromSeconds(report.ElapsedSeconds))}";
        var unfinished = report.Total - report.Results.Count;
        if (report.Interrupted)
        {
            console.MarkupLineInterpolated($"[bold yellow]INTERRUPTED[/] after {report.Results.Count} of {report.Total} variants ({unfinished} not run or stopped): {summary}");
        }
        else if (report.TimeLimitReached)
        {
            console.MarkupLineInterpolated($"[bold red]FAILED[/]: the hunt's time limit stopped it after {report.Results.Count} of {report.Total} variants ({unfinished} not run or stopped): {summary}");
        }
        else if (report.Passed)
        {
            console.MarkupLineInterpolated($"[bold green]PASSED[/]: {summary}");
        }
        else
        {
            console.MarkupLineInterpolated($"[bold red]FAILED[/]: {summary}");
        }

        var files = new HuntReportFiles(output);
        context.Out.WriteLine($"Reports: {context.Show(files.JsonPath)}, {context.Show(files.JUnitPath)}");
        context.Out.WriteLine("Covered: distinct scheduling points reached, and conflicting access pairs seen in both orders of those seen.");
        RacyFieldList.Write(context.Out, report.Results.SelectMany(e => e.RacyFields));
    }

    /// <summary><c>157 pts, 23/150 pairs</c>.</summary>
    private static string Covered(ExplorationCoverage c) =>
        $"{Format.Count(c.SchedulingPoints)} pts, {Format.Count(c.ConflictPairsBothOrders)}/{Format.Count(c.ConflictPairs)} pairs";

    /// <summary>
    /// The summary: a table with a column per field when it fits the console, else (a narrow terminal) one line per
    /// variant under its scenario, wrapped at spaces with the continuation indented. Names are never broken mid-word.
    /// </summary>
    private static IRenderable Summary(IReadOnlyList<HuntEntry> entries, int width)
    {
        string[] headers = ["Scenario", "Variant", "Expected", "Outcome", "Iterations", "Time", "Schedules", "Covered", "Verdict"];
        var rows = entries.Select(e => new[] { e.Scenario, e.Variant, e.Expected, OutcomeText(e), IterationsText(e), HuntView.Elapsed(e), e.Schedules, Covered(e.Coverage), HuntView.Word(e.Verdict) }).ToList();

        // The simple border: a space of padding on either side of each cell, and a border space before, between and after the columns.
        var natural = headers.Length + 1 + headers.Select((h, c) => rows.Select(r => r[c].Length).Append(h.Length).Max() + 2).Sum();
        return natural <= width ? Table(headers, rows, entries) : List(entries);
    }

    private static Table Table(string[] headers, List<string[]> rows, IReadOnlyList<HuntEntry> entries)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var header in headers)
        {
            table.AddColumn(header is "Iterations" or "Time" or "Covered" ? new TableColumn(header).RightAligned() : new TableColumn(header));
        }

        string? previous = null;
        foreach (var (row, e) in rows.Zip(entries))
        {
            table.AddRow([.. row.Take(row.Length - 1).Select((text, c) => new Text(c == 0 && text == previous ? string.Empty : text)), new Markup(HuntView.Markup(e.Verdict))]);
            previous = e.Scenario;
        }

        return table;
    }

    private static Rows List(IReadOnlyList<HuntEntry> entries)
    {
        var lines = new List<IRenderable> { new Text("Scenario, then each variant: verdict; expected; outcome; iterations; time; schedules; covered") };
        string? previous = null;
        foreach (var e in entries)
        {
            if (e.Scenario != previous)
            {
                lines.Add(new Text(e.Scenario));
                previous = e.Scenario;
            }

            var schedules = e.Schedules.Length == 0 ? string.Empty : $"; {e.Schedules}";
            var line = $"{Markup.Escape(e.Variant)}: {HuntView.Markup(e.Verdict)}; {Markup.Escape($"expected {e.Expected}; {OutcomeText(e)}; {IterationsText(e)}; {HuntView.Elapsed(e)}{schedules}; {Covered(e.Coverage)}")}";
            lines.Add(new Padder(new Markup(line), new Padding(2, 0, 0, 0)));
        }

        return new Rows(lines);
    }

    private static string OutcomeText(HuntEntry e) => e.Kind is { } kind ? $"bug ({Json.Name(kind)})" : Json.Name(e.Outcome);

    private static string IterationsText(HuntEntry e) => e.Outcome switch
    {
        Outcome.BugFound => $"{Format.Count(e.Iterations)} to bug",
        Outcome.Clean => $"{Format.Count(e.Iterations)} clean",
        _ => Format.Count(e.Iterations),
    };
}
