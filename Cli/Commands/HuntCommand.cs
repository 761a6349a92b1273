using System.CommandLine;
using Sim.Cli.Hunting;
using Sim.Cli.Output;
using Sim.Cli.Reports;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Catalog;
using Spectre.Console;

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
            Description = "Run only shard K of N (1-based): every N-th variant from the K-th, for CI machines that split the hunt.",
            HelpName = "K/N",
        };
        var settings = SettingOptions.Exploration();
        var command = new Command("hunt", "Explore every scenario variant against its expected outcome; write traces and JSON/JUnit reports.") { scenarios, shard };
        settings.AddTo(command);
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            var part = Shard.Parse(parse.GetValue(shard));
            var selected = part.Select(Catalog.Select(parse.GetValue(scenarios) ?? []));
            var resolved = settings.Resolve(parse, context);
            var plan = new HuntPlan(selected, resolved.Settings.ToExplorationOptions(resolved.Seed), resolved.Settings.OutputDirectory, part, resolved.File?.FullPath);
            context.Out.WriteLine($"Hunting {selected.Count} variants of {selected.Select(v => v.Scenario).Distinct().Count()} scenarios{(part == Shard.Whole ? string.Empty : $" (shard {part})")}");
            context.Out.WriteLine($"Settings: {Describe.Options(plan.Options)}");
            context.Out.WriteLine($"Config:   {Describe.Source(resolved, context)}");
            context.Out.WriteLine($"Output:   {context.Show(plan.OutputDirectory)}");
            context.Out.WriteLine();
            var report = HuntView.For(context, plan).Show(progress => HuntLoop.Run(plan, progress));
            WriteSummary(context, report, plan.OutputDirectory);
            return report.Passed ? ExitCodes.Ok : ExitCodes.Finding;
        }));
        return command;
    }

    private static void WriteSummary(CliContext context, HuntReport report, string output)
    {
        var console = context.Console;
        context.Out.WriteLine();
        console.Write(SummaryTable(report.Results));
        foreach (var e in report.Results.Where(e => e.Verdict != VerdictKind.Met))
        {
            context.Out.WriteLine($"{HuntView.Word(e.Verdict)}: {e.Scenario}/{e.Variant}: {e.Explanation}"
                + (e.Trace is null ? string.Empty : $" (replay: {Describe.ReplayCommand(context, Path.Combine(output, e.Trace))})"));
        }

        context.Out.WriteLine();
        var summary = $"{report.Total} variants: {report.Met} met, {report.NotMet} not met, {report.Errors} errors in {Format.Duration(TimeSpan.FromSeconds(report.ElapsedSeconds))}";
        if (report.Passed)
        {
            console.MarkupLineInterpolated($"[bold green]PASSED[/]: {summary}");
        }
        else
        {
            console.MarkupLineInterpolated($"[bold red]FAILED[/]: {summary}");
        }

        var files = new HuntReportFiles(output);
        context.Out.WriteLine($"Reports: {context.Show(files.JsonPath)}, {context.Show(files.JUnitPath)}");
    }

    private static Table SummaryTable(IReadOnlyList<HuntEntry> entries)
    {
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("Scenario")
            .AddColumn("Variant")
            .AddColumn("Expected")
            .AddColumn("Outcome")
            .AddColumn(new TableColumn("Iterations").RightAligned())
            .AddColumn(new TableColumn("Time").RightAligned())
            .AddColumn("Schedules")
            .AddColumn("Verdict");
        string? previous = null;
        foreach (var e in entries)
        {
            var outcome = e.Kind is { } kind ? $"bug ({Json.Name(kind)})" : Json.Name(e.Outcome);
            var iterations = e.Outcome switch
            {
                Outcome.BugFound => $"{Format.Count(e.Iterations)} to bug",
                Outcome.Clean => $"{Format.Count(e.Iterations)} clean",
                _ => Format.Count(e.Iterations),
            };
            table.AddRow(
                new Text(e.Scenario == previous ? string.Empty : e.Scenario),
                new Text(e.Variant),
                new Text(e.Expected),
                new Text(outcome),
                new Text(iterations),
                new Text(HuntView.Elapsed(e)),
                new Text(e.Schedules),
                new Markup(HuntView.Markup(e.Verdict)));
            previous = e.Scenario;
        }

        return table;
    }
}
