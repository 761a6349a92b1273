using System.CommandLine;
using Sim.Cli.Output;
using Sim.Cli.Hunting;
using Sim.Cli.Timeline;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Catalog;
using Spectre.Console;

namespace Sim.Cli.Commands;

/// <summary>
/// <c>sim explore SCENARIO [--variant V] [settings]</c>: explores one variant, prints the outcome and statistics, and for
/// a bug the steps and the path of the saved trace. Exit 0: no bug; 1: a bug; 2: bad input; 3: scenario error; 4: error of the tool.
/// </summary>
internal static class ExploreCommand
{
    private const int DefaultStepsShown = 40;

    public static Command Create(CliContext context)
    {
        var scenario = new Argument<string>("scenario") { Description = "The scenario to explore (see 'sim list')." };
        var variant = new Option<string>("--variant") { Description = "The variant; default: the scenario's first (the fixed design).", HelpName = "NAME" };
        var steps = new Option<string>("--steps") { Description = $"How many of the failing iteration's last steps to print, or 'all'; default {DefaultStepsShown}.", HelpName = "N|all" };
        var settings = SettingOptions.Exploration();
        var sources = new ScenarioSourceOptions();
        var command = new Command("explore", "Explore the interleavings of one scenario variant; save the trace of a bug.") { scenario, variant, steps };
        sources.AddTo(command);
        settings.AddTo(command);
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            var target = sources.Load(parse, context).Find(parse.GetValue(scenario)!, parse.GetValue(variant));
            var shown = LaneView.ParseCount(parse.GetValue(steps), DefaultStepsShown);
            var resolved = settings.Resolve(parse, context);
            return Run(context, target, resolved.Settings.ToExplorationOptions(resolved.Seed), resolved.Settings.OutputDirectory, shown, Describe.Source(resolved, context));
        }));
        return command;
    }

    private static int Run(CliContext context, VariantRef target, ExplorationOptions options, string outputDirectory, int? shown, string source)
    {
        VariantExploration.CheckOutputFolder(outputDirectory);
        var console = context.Console;
        context.Out.WriteLine($"Scenario: {target.Name} (expected: {target.Variant.Expected})");
        context.Out.WriteLine($"Settings: {Describe.Options(options)}");
        context.Out.WriteLine($"Config:   {source}");
        context.Out.WriteLine();

        var result = context.Busy($"Exploring {target.Name}...", () => VariantExploration.Run(target, options));
        var verdict = Verdict.Judge(target.Variant.Expected, result, options.Iterations);

        switch (result.Outcome)
        {
            case Outcome.BugFound:
                console.MarkupLineInterpolated($"[bold red]BUG FOUND[/] ({(result.Kind is { } kind ? Json.Name(kind) : null)}) in iteration {Format.Count(result.Iterations)}");
                context.Out.WriteLine(result.Message ?? string.Empty);
                break;
            case Outcome.Clean:
                console.MarkupLineInterpolated($"[bold green]CLEAN[/]: no bug in {Format.Count(result.Iterations)} iterations");
                break;
            case Outcome.ToolError:
                console.MarkupLineInterpolated($"[bold yellow]TOOL ERROR[/] (an error of sim itself, not a finding of the scenario)");
                context.Out.WriteLine(result.Message ?? string.Empty);
                break;
            default:
                console.MarkupLineInterpolated($"[bold yellow]SCENARIO ERROR[/] (an error of the scenario, not a finding)");
                context.Out.WriteLine(result.Message ?? string.Empty);
                break;
        }

        var run = result.Completion?.Iterations ?? result.Iterations;
        context.Out.WriteLine(
            $"Iterations: {Format.Count(run)}   Scheduling steps: {Format.Count(result.SchedulingSteps)}" +
            (result.FoundBug ? $" ({Format.Count(result.BugIterationSteps)} in the failing iteration)" : string.Empty) +
            $"   Wall time: {Format.Duration(result.Elapsed)}   Iterations/s: {Format.Rate(run, result.Elapsed)}");
        context.Out.WriteLine($"Strategy: {result.Strategy}");
        if (result.FoundBug && result.Schedule is { } schedule)
        {
            context.Out.WriteLine($"Schedule: {Format.Steps(schedule.Steps, schedule.Preemptions)}");
            if (result.Shrink is { } shrink)
            {
                context.Out.WriteLine($"Shrunk:   {Describe.Shrink(shrink)}");
                if (shrink.MessageBefore is { } before)
                {
                    context.Out.WriteLine($"          (as found: {before})");
                }
            }
        }

        if (result.Completion is { } tally)
        {
            WriteCompletion(context.Out, tally);
        }

        if (result.Bounded is { } bounded && result.Outcome == Outcome.Clean)
        {
            context.Out.WriteLine($"Bounded:  {bounded} ({Format.Count(bounded.Runs)} schedules run in {Format.Duration(bounded.Elapsed)})");
        }

        context.Out.WriteLine($"Coverage: {result.Coverage}");
        context.Out.WriteLine($"Expectation: {(verdict.Kind == VerdictKind.Met ? "met" : verdict.Kind == VerdictKind.NotMet ? "NOT met" : "error")}: {verdict.Explanation}");

        RacyFieldList.Write(context.Out, result.RacyFields);
        if (result.Outcome is Outcome.BugFound or Outcome.ScenarioError && result.Steps.Count > 0)
        {
            context.Out.WriteLine();
            LaneView.Write(console, TraceTimeline.Of(target.Name, result), shown);
        }

        if (VariantExploration.SaveTrace(target, options, result, outputDirectory) is { } path)
        {
            context.Out.WriteLine();
            context.Out.WriteLine($"Trace saved: {context.Show(path)}");
            context.Out.WriteLine($"Replay it:   {Describe.ReplayCommand(context, path)}");
        }

        return result.Outcome switch
        {
            Outcome.Clean => ExitCodes.Ok,
            Outcome.BugFound => ExitCodes.Finding,
            Outcome.ToolError => ExitCodes.ToolError,
            _ => ExitCodes.ScenarioError,
        };
    }

    /// <summary>"Failed:   37 of 1,000 iterations (3.7 %), 2 distinct findings:" and one line per finding.</summary>
    private static void WriteCompletion(TextWriter output, CompletionTally tally)
    {
        var share = tally.Iterations == 0 ? 0 : 100.0 * tally.FailedIterations / tally.Iterations;
        output.WriteLine(
            $"Failed:   {Format.Count(tally.FailedIterations)} of {Format.Count(tally.Iterations)} iterations ({share.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} %), " +
            $"{Format.Plural(tally.Groups.Count, "distinct finding")}{(tally.Groups.Count == 0 ? string.Empty : ":")}");
        foreach (var g in tally.Groups)
        {
            output.WriteLine($"  {Format.Count(g.Count),8} x {Json.Name(g.Kind)} (first in iteration {Format.Count(g.FirstIteration)}): {g.Example}");
        }
    }
}
