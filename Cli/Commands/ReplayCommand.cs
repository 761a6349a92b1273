using System.CommandLine;
using Sim.Cli.Output;
using Sim.Cli.Loading;
using Sim.Cli.Timeline;
using Sim.Cli.Traces;
using Sim.Runtime.Exploration;
using Spectre.Console;

namespace Sim.Cli.Commands;

/// <summary>
/// <c>sim replay TRACE</c>: replays a trace file's schedule record against the scenario variant it names, with the
/// settings it was recorded with, each step gated to the recorded thread; prints the replayed steps and says whether the
/// recorded failure reproduced. Exit 0: reproduced; 1: another failure on the same schedule; 2: bad input (an unreadable,
/// empty, cut-short, edited or foreign trace, or a schedule that diverges from the program: the message says at which
/// step); 3: scenario error. Its output depends only on the trace and the build, so two replays print the same bytes.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(CliContext context)
    {
        var trace = new Argument<string>("trace") { Description = "The trace file that 'sim explore' or 'sim hunt' saved." };
        var scenario = new Option<string>("--scenario") { Description = "Check that the trace belongs to this scenario (exit 2 if not).", HelpName = "NAME" };
        var variant = new Option<string>("--variant") { Description = "Check that the trace belongs to this variant (exit 2 if not).", HelpName = "NAME" };
        var steps = new Option<string>("--steps") { Description = "How many of the last steps to print, or 'all' (the default).", HelpName = "N|all" };
        var sources = new ScenarioSourceOptions();
        var html = new Option<string>("--html") { Description = "Also write the timeline as one self-contained HTML page to this file.", HelpName = "FILE" };
        var command = new Command("replay", "Replay a trace deterministically and print its steps, one column per thread.") { trace, scenario, variant, steps, html };
        sources.AddTo(command);
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            var path = context.FullPath(parse.GetValue(trace)!);
            var display = context.Show(path);
            var htmlPath = parse.GetValue(html);
            if (htmlPath is not null && Directory.Exists(context.FullPath(htmlPath)))
            {
                throw new UsageException($"--html {htmlPath} is a folder; give the path of the HTML file to write");
            }

            var recorded = TraceStore.Load(path, display);
            var catalog = sources.Given(parse) ? sources.Load(parse, context)
                : ScenarioSources.LoadRecorded(recorded.Assembly is { } a ? [a] : [], $"{display} is a trace of '{recorded.Scenario}'", context);
            return Run(context, catalog, recorded, display, parse.GetValue(scenario), parse.GetValue(variant), LaneView.ParseCount(parse.GetValue(steps), null), htmlPath);
        }));
        return command;
    }

    private static int Run(CliContext context, Catalog catalog, TraceDocument recorded, string display, string? expectedScenario, string? expectedVariant, int? shown, string? htmlPath)
    {
        if (expectedScenario is not null && expectedScenario != recorded.Scenario)
        {
            throw new UsageException(
                $"{display} is a trace of scenario '{recorded.Scenario}', not '{expectedScenario}'; drop --scenario, or record a trace of '{expectedScenario}' with 'sim explore {expectedScenario}'");
        }

        if (expectedVariant is not null && expectedVariant != recorded.Variant)
        {
            throw new UsageException(
                $"{display} is a trace of variant '{recorded.Variant}' of '{recorded.Scenario}', not '{expectedVariant}'; drop --variant, or record one with 'sim explore {recorded.Scenario} --variant {expectedVariant}'");
        }

        var s = catalog.Scenario(recorded.Scenario, $"{display} names an ");
        var target = new VariantRef(s, Catalog.Variant(s, recorded.Variant, $"{display}: "));
        var again = $"record a new trace with 'sim explore {target.Scenario.Name} --variant {target.Variant.Name}{target.Flags}'";
        if (recorded.Design != target.Variant.DesignText)
        {
            throw new UsageException(
                $"{display} was recorded against another design of {target.Name} ({recorded.Design}; this build has {target.Variant.DesignText}); {again}");
        }

        var options = TraceStore.ReplayOptions(recorded, display);
        var schedule = TraceStore.Schedule(recorded, display);
        var result = context.Busy($"Replaying {target.Name}...", () =>
            Explorer.Replay(target.Scenario.Program(target.Variant), schedule, options, recorded.Finding.Kind == FindingKind.Livelock));
        if (result.Outcome == Outcome.ReplayFailed)
        {
            throw new UsageException($"{display} does not replay against {target.Name}: {result.Message}; {again}");
        }

        if (result.Outcome == Outcome.Clean)
        {
            throw new UsageException($"{display} does not replay against {target.Name}: its schedule runs to the end without failing; {again}");
        }

        var console = context.Console;
        context.Out.WriteLine($"Trace:    {display} ({recorded.Tool}, {recorded.RecordedAt:yyyy-MM-dd HH:mm:ss} UTC)");
        context.Out.WriteLine($"Scenario: {target.Name} (expected: {target.Variant.Expected})");
        context.Out.WriteLine($"Recorded: {Json.Name(recorded.Finding.Kind)} in iteration {Format.Count(recorded.Finding.Iteration)} with {Describe.Options(options)}");
        context.Out.WriteLine($"          {recorded.Finding.Message}");
        context.Out.WriteLine($"Schedule: {Describe.Schedule(schedule, recorded.Shrink)}");
        context.Out.WriteLine();
        var steps = TraceFileStep.Of(result);
        var timeline = TraceTimeline.Of(target.Name, result);
        LaneView.Write(console, timeline, shown);
        RacyFieldList.Write(context.Out, result.RacyFields);
        if (htmlPath is not null)
        {
            var page = context.FullPath(htmlPath);
            TimelinePageFile.Write(page, timeline);
            context.Out.WriteLine($"Timeline page: {context.Show(page)}");
        }

        context.Out.WriteLine();

        if (result.Outcome == Outcome.ToolError)
        {
            console.MarkupLineInterpolated($"[bold yellow]TOOL ERROR[/] on replay (an error of sim itself, not a finding): {result.Message}");
            return ExitCodes.ToolError;
        }

        if (result.Outcome == Outcome.ScenarioError)
        {
            console.MarkupLineInterpolated($"[bold yellow]SCENARIO ERROR[/] on replay (an error of the scenario, not a finding): {result.Message}");
            return ExitCodes.ScenarioError;
        }

        var kind = result.Kind is { } k ? Json.Name(k) : "no kind";
        if (result.Message == recorded.Finding.Message && result.Kind == recorded.Finding.Kind)
        {
            var same = steps.SequenceEqual(recorded.Steps)
                ? $"the same {Format.Count(steps.Count)} steps as recorded"
                : $"{Format.Count(steps.Count)} steps ({Format.Count(recorded.Steps.Count)} recorded; the readable steps differ, the failure does not)";
            console.MarkupLineInterpolated($"[bold green]REPRODUCED[/]: {kind}, {same}");
            context.Out.WriteLine(result.Message ?? string.Empty);
            return ExitCodes.Ok;
        }

        console.MarkupLineInterpolated($"[bold red]NOT REPRODUCED[/]: the replay failed differently ({kind})");
        context.Out.WriteLine($"recorded: {recorded.Finding.Message}");
        context.Out.WriteLine($"replayed: {result.Message}");
        return ExitCodes.Finding;
    }
}
