using System.CommandLine;
using System.Globalization;
using Sim.Cli.Configuration;
using Sim.Cli.Output;
using Sim.Cli.Reports;
using Sim.Runtime.Exploration;
using Spectre.Console;

namespace Sim.Cli.Commands;

/// <summary>
/// <c>sim hunt</c>: explores every scenario variant (or those <c>--scenario</c> selects) with the same settings and
/// checks each against its expected outcome. Prints progress and a summary table; writes the trace of every bug found,
/// <c>hunt.json</c> and <c>hunt.junit.xml</c> to the output folder. Exit 0 only if every expectation held; 1 otherwise;
/// 2 for bad input.
/// </summary>
internal static class HuntCommand
{
    /// <summary>The JSON report's file name in the output folder.</summary>
    public const string JsonReportName = "hunt.json";

    /// <summary>The JUnit report's file name in the output folder.</summary>
    public const string JUnitReportName = "hunt.junit.xml";

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
            var (k, n) = ParseShard(parse.GetValue(shard));
            var selected = Catalog.Select(parse.GetValue(scenarios) ?? []).Where((_, i) => i % n == k - 1).ToList();
            var resolved = settings.Resolve(parse, context);
            return Run(context, selected, resolved, $"{k}/{n}");
        }));
        return command;
    }

    private static int Run(CliContext context, List<VariantRef> selected, ResolvedSettings resolved, string shard)
    {
        var console = context.Console;
        var options = resolved.Settings.ToExplorationOptions(resolved.Seed);
        var output = resolved.Settings.OutputDirectory;
        var started = DateTimeOffset.UtcNow;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        context.Out.WriteLine($"Hunting {selected.Count} variants of {selected.Select(v => v.Scenario).Distinct().Count()} scenarios{(shard == "1/1" ? string.Empty : $" (shard {shard})")}");
        context.Out.WriteLine($"Settings: {Describe.Options(options)}");
        context.Out.WriteLine($"Config:   {Describe.Source(resolved, context)}");
        context.Out.WriteLine($"Output:   {context.Show(output)}");
        context.Out.WriteLine();

        var entries = new List<HuntEntry>();
        void Hunt(Action<int, VariantRef> starting, Action<HuntEntry> finished, Action<int>? onIteration = null)
        {
            for (var i = 0; i < selected.Count; i++)
            {
                var target = selected[i];
                starting(i, target);
                var result = VariantExploration.Run(target, options, onIteration);
                var verdict = Verdict.Judge(target.Variant.Expected, result, options.Iterations);
                var trace = VariantExploration.SaveTrace(target, options, result, output);
                var entry = Entry(target, result, verdict, trace is null ? null : Path.GetRelativePath(output, trace).Replace('\\', '/'));
                entries.Add(entry);
                finished(entry);
            }
        }

        var width = selected.Count.ToString(CultureInfo.InvariantCulture).Length;
        string Counter(int i) => $"[{(i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width)}/{selected.Count}]";
        if (context.Interactive && selected.Count > 0)
        {
            console.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .Start(progress =>
                {
                    var task = progress.AddTask("hunt", maxValue: selected.Count);
                    var iterations = progress.AddTask("iterations", maxValue: options.Iterations);
                    Hunt(
                        (i, v) =>
                        {
                            task.Description = Markup.Escape($"{Counter(i)} {v.Name}");
                            iterations.Value = 0;
                        },
                        e =>
                        {
                            console.MarkupLine($"{VerdictMarkup(e.Verdict)} {Markup.Escape($"{e.Scenario}/{e.Variant}: {e.Explanation} ({Format.Duration(TimeSpan.FromSeconds(e.ElapsedSeconds))})")}");
                            task.Increment(1);
                        },
                        n => iterations.Value = n);
                });
        }
        else
        {
            var index = 0;
            Hunt(
                (i, v) =>
                {
                    index = i;
                    context.Out.WriteLine($"{Counter(i)} {v.Name} (expected: {v.Variant.Expected}) ...");
                },
                e => context.Out.WriteLine($"{Counter(index)} {e.Scenario}/{e.Variant}: {VerdictWord(e.Verdict)}: {e.Explanation} ({Format.Duration(TimeSpan.FromSeconds(e.ElapsedSeconds))})"));
        }

        clock.Stop();
        var report = new HuntReport
        {
            Tool = ToolInfo.NameAndVersion,
            StartedAt = started,
            ElapsedSeconds = clock.Elapsed.TotalSeconds,
            ConfigFile = resolved.File?.FullPath,
            Settings = SettingsRecord.From(options),
            Shard = shard,
            Passed = entries.All(e => e.Verdict == VerdictKind.Met),
            Total = entries.Count,
            Met = entries.Count(e => e.Verdict == VerdictKind.Met),
            NotMet = entries.Count(e => e.Verdict == VerdictKind.NotMet),
            Errors = entries.Count(e => e.Verdict == VerdictKind.Error),
            Results = entries,
        };

        context.Out.WriteLine();
        console.Write(SummaryTable(entries));
        foreach (var e in entries.Where(e => e.Verdict != VerdictKind.Met))
        {
            context.Out.WriteLine($"{VerdictWord(e.Verdict)}: {e.Scenario}/{e.Variant}: {e.Explanation}" + (e.Trace is null ? string.Empty : $" (trace: {context.Show(Path.Combine(output, e.Trace))})"));
        }

        var json = Path.Combine(output, JsonReportName);
        var junit = Path.Combine(output, JUnitReportName);
        try
        {
            AtomicFile.WriteAllText(json, Json.Serialize(report));
            AtomicFile.WriteAllText(junit, JUnitWriter.Render(report));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write the reports to {context.Show(output)}: {ex.Message}; set another outputDirectory (--output or SIM_OUTPUT_DIRECTORY)");
        }

        context.Out.WriteLine();
        var summary = $"{report.Total} variants: {report.Met} met, {report.NotMet} not met, {report.Errors} errors in {Format.Duration(clock.Elapsed)}";
        if (report.Passed)
        {
            console.MarkupLineInterpolated($"[bold green]PASSED[/]: {summary}");
        }
        else
        {
            console.MarkupLineInterpolated($"[bold red]FAILED[/]: {summary}");
        }

        context.Out.WriteLine($"Reports: {context.Show(json)}, {context.Show(junit)}");
        return report.Passed ? ExitCodes.Ok : ExitCodes.Finding;
    }

    private static HuntEntry Entry(VariantRef target, ExplorationResult result, Verdict verdict, string? trace) => new(
        target.Scenario.Name,
        target.Variant.Name,
        target.Variant.Expected.ToString(),
        target.Variant.Expected.ExpectsBug,
        JsonNamingPolicyCamel(result.Outcome.ToString()),
        result.Kind?.ToString().ToLowerInvariant(),
        result.Message,
        verdict.Kind,
        verdict.Explanation,
        result.Iterations,
        result.SchedulingSteps,
        result.Elapsed.TotalSeconds,
        result.Strategy,
        trace);

    private static Table SummaryTable(IReadOnlyList<HuntEntry> entries)
    {
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("Scenario")
            .AddColumn("Variant")
            .AddColumn("Expected")
            .AddColumn("Outcome")
            .AddColumn(new TableColumn("Iterations").RightAligned())
            .AddColumn(new TableColumn("Time").RightAligned())
            .AddColumn("Verdict");
        string? previous = null;
        foreach (var e in entries)
        {
            var outcome = e.Kind is null ? e.Outcome : $"bug ({e.Kind})";
            var iterations = e.Outcome switch
            {
                "bugFound" => $"{Format.Count(e.Iterations)} to bug",
                "clean" => $"{Format.Count(e.Iterations)} clean",
                _ => Format.Count(e.Iterations),
            };
            table.AddRow(
                new Text(e.Scenario == previous ? string.Empty : e.Scenario),
                new Text(e.Variant),
                new Text(e.Expected),
                new Text(outcome),
                new Text(iterations),
                new Text(Format.Duration(TimeSpan.FromSeconds(e.ElapsedSeconds))),
                new Markup(VerdictMarkup(e.Verdict)));
            previous = e.Scenario;
        }

        return table;
    }

    private static (int K, int N) ParseShard(string? text)
    {
        if (text is null)
        {
            return (1, 1);
        }

        var parts = text.Split('/');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n >= 1 && k >= 1 && k <= n
                ? (k, n)
                : throw new UsageException($"--shard \"{text}\" is not valid: give K/N with 1 <= K <= N, for example --shard 2/4");
    }

    private static string VerdictWord(VerdictKind kind) => kind switch
    {
        VerdictKind.Met => "met",
        VerdictKind.NotMet => "NOT MET",
        _ => "ERROR",
    };

    private static string VerdictMarkup(VerdictKind kind) => kind switch
    {
        VerdictKind.Met => "[green]met[/]",
        VerdictKind.NotMet => "[bold red]NOT MET[/]",
        _ => "[bold yellow]ERROR[/]",
    };

    private static string JsonNamingPolicyCamel(string name) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name);
}
