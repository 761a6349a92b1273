using System.CommandLine;
using Sim.Cli.Output;
using Sim.Cli.Reports;
using Sim.Runtime.Exploration;
using Spectre.Console;

namespace Sim.Cli.Commands;

/// <summary>
/// <c>sim merge REPORT... --output DIR</c>: combines the reports of the shards of one hunt (<c>sim hunt --shard K/N</c>,
/// each a <c>hunt.json</c> or the output folder holding it) into one <c>hunt.json</c> and <c>hunt.junit.xml</c> in DIR,
/// with the totals, and copies the shards' traces there (<see cref="HuntMerge"/>). The scenarios of a hunt of outside
/// assemblies are loaded from where its report recorded them, or from <c>--assembly</c>/<c>--project</c>. Exit codes as
/// <c>sim hunt</c>'s: 0 if every expectation held in every shard, 1 if not, 2 for bad input (reports of different builds,
/// settings or scenario assemblies, a shard missing or given twice), 4 if a shard had an error of the tool.
/// </summary>
internal static class MergeCommand
{
    public static Command Create(CliContext context)
    {
        var reports = new Argument<string[]>("reports") { Description = "The shards' reports: hunt.json files, or the output folders that hold them.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output") { Description = "The folder of the merged hunt.json, hunt.junit.xml and traces/.", HelpName = "DIR", Required = true };
        var command = new Command("merge", "Merge the JSON reports of a hunt's shards (--shard K/N) into one JSON and JUnit report, with totals.") { reports, output };
        var sources = new ScenarioSourceOptions();
        sources.AddTo(command);
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            var shards = parse.GetValue(reports)!.Select(r => Load(context, r)).ToList();
            var catalog = HuntMerge.CatalogOf(shards[0].Report, shards[0].Name, sources.Given(parse) ? sources.Load(parse, context) : null, context);
            var merged = HuntMerge.Merge([.. shards.Select(s => (s.Name, s.Report))], catalog);
            var directory = context.FullPath(parse.GetValue(output)!);
            using (OutputLock.Take(directory))
            {
                foreach (var (_, report, folder) in shards)
                {
                    foreach (var trace in report.Results.Select(e => e.Trace).OfType<string>())
                    {
                        CopyTrace(Path.Combine(folder, trace), Path.Combine(directory, trace), context);
                    }
                }

                var files = new HuntReportFiles(directory);
                files.Write(merged);
                Summarize(context, merged, shards.Count, files);
            }

            return merged.Interrupted ? ExitCodes.Interrupted
                : merged.Results.Any(e => e.Outcome == Outcome.ToolError) ? ExitCodes.ToolError
                : merged.Passed ? ExitCodes.Ok
                : ExitCodes.Finding;
        }));
        return command;
    }

    private static (string Name, HuntReport Report, string Folder) Load(CliContext context, string given)
    {
        var full = context.FullPath(given);
        var path = Directory.Exists(full) ? Path.Combine(full, HuntReportFiles.JsonName) : full;
        var name = context.Show(path);
        return (name, HuntMerge.Read(path, name), Path.GetDirectoryName(path)!);
    }

    private static void CopyTrace(string from, string to, CliContext context)
    {
        if (string.Equals(Path.GetFullPath(from), Path.GetFullPath(to), StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            AtomicFile.WriteAllText(to, File.ReadAllText(from));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot copy the trace {context.Show(from)} to {context.Show(to)}: {Format.OneLine(ex.Message)}; give each shard's whole output folder (its traces/ too)");
        }
    }

    private static void Summarize(CliContext context, HuntReport merged, int shards, HuntReportFiles files)
    {
        var summary = $"{Format.Plural(merged.Total, "variant")}: {merged.Met} met, {merged.NotMet} not met, {merged.Errors} errors ({Format.Plural(shards, "shard")}, split by {Json.Name(merged.Split)})";
        foreach (var e in merged.Results.Where(e => e.Verdict != Scenarios.Catalog.VerdictKind.Met))
        {
            context.Out.WriteLine($"{Hunting.HuntView.Word(e.Verdict)}: {e.Scenario}/{e.Variant}: {e.Explanation}");
        }

        var unfinished = merged.Results.Count < merged.Total ? $"; {Format.Plural(merged.Total - merged.Results.Count, "variant")} did not finish" : string.Empty;
        if (merged.Interrupted)
        {
            context.Console.MarkupLineInterpolated($"[bold yellow]INTERRUPTED[/]: a shard was interrupted (Ctrl-C or SIGTERM): {summary}{unfinished}");
        }
        else if (merged.TimeLimitReached)
        {
            context.Console.MarkupLineInterpolated($"[bold red]FAILED[/]: a shard's hunt time limit stopped it: {summary}{unfinished}");
        }
        else if (merged.Passed)
        {
            context.Console.MarkupLineInterpolated($"[bold green]PASSED[/]: {summary}");
        }
        else
        {
            context.Console.MarkupLineInterpolated($"[bold red]FAILED[/]: {summary}{unfinished}");
        }

        context.Out.WriteLine($"Reports: {context.Show(files.JsonPath)}, {context.Show(files.JUnitPath)}");
    }
}
