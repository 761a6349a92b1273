using System.CommandLine;
using Sim.Cli.Output;
using Sim.Cli.Hunting;
using Sim.Cli.Traces;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Catalog;
using Spectre.Console;

namespace Sim.Cli.Commands;

/// <summary>
/// <c>sim explore SCENARIO [--variant V] [settings]</c>: explores one variant, prints the outcome and statistics, and for
/// a bug the steps and the path of the saved trace. Exit 0: no bug; 1: a bug; 2: bad input; 3: scenario error.
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
        var command = new Command("explore", "Explore the interleavings of one scenario variant; save the trace of a bug.") { scenario, variant, steps };
        settings.AddTo(command);
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            var s = Catalog.Scenario(parse.GetValue(scenario)!);
            var target = new VariantRef(s, Catalog.Variant(s, parse.GetValue(variant)));
            var shown = StepsView.ParseCount(parse.GetValue(steps), DefaultStepsShown);
            var resolved = settings.Resolve(parse, context);
            return Run(context, target, resolved.Settings.ToExplorationOptions(resolved.Seed), resolved.Settings.OutputDirectory, shown, Describe.Source(resolved, context));
        }));
        return command;
    }

    private static int Run(CliContext context, VariantRef target, ExplorationOptions options, string outputDirectory, int? shown, string source)
    {
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
            default:
                console.MarkupLineInterpolated($"[bold yellow]SCENARIO ERROR[/] (an error of the scenario, not a finding)");
                context.Out.WriteLine(result.Message ?? string.Empty);
                break;
        }

        context.Out.WriteLine(
            $"Iterations: {Format.Count(result.Iterations)}   Scheduling steps: {Format.Count(result.SchedulingSteps)}" +
            (result.FoundBug ? $" ({Format.Count(result.BugIterationSteps)} in the failing iteration)" : string.Empty) +
            $"   Wall time: {Format.Duration(result.Elapsed)}   Iterations/s: {Format.Rate(result.Iterations, result.Elapsed)}");
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

        if (result.Bounded is { } bounded && result.Outcome == Outcome.Clean)
        {
            context.Out.WriteLine($"Bounded:  {bounded} ({Format.Count(bounded.Runs)} schedules run in {Format.Duration(bounded.Elapsed)})");
        }

        context.Out.WriteLine($"Expectation: {(verdict.Kind == VerdictKind.Met ? "met" : verdict.Kind == VerdictKind.NotMet ? "NOT met" : "error")}: {verdict.Explanation}");

        if (result.Outcome is Outcome.BugFound or Outcome.ScenarioError && result.Steps.Count > 0)
        {
            context.Out.WriteLine();
            StepsView.Write(console, TraceFileStep.Of(result), shown);
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
            _ => ExitCodes.ScenarioError,
        };
    }
}
