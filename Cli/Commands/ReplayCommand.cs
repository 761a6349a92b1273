using System.CommandLine;
using Sim.Cli.Output;
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
        var command = new Command("replay", "Replay a trace deterministically and print its steps, thread by thread.") { trace, scenario, variant, steps };
        command.SetAction(parse => CommandRunner.Guard(context, () =>
            Run(context, parse.GetValue(trace)!, parse.GetValue(scenario), parse.GetValue(variant), StepsView.ParseCount(parse.GetValue(steps), null))));
        return command;
    }

    private static int Run(CliContext context, string path, string? expectedScenario, string? expectedVariant, int? shown)
    {
        var display = context.Show(context.FullPath(path));
        var recorded = TraceStore.Load(context.FullPath(path), display);
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

        var s = Catalog.Scenario(recorded.Scenario, $"{display} names an ");
        var target = new VariantRef(s, Catalog.Variant(s, recorded.Variant, $"{display}: "));
        var again = $"record a new trace with 'sim explore {target.Scenario.Name} --variant {target.Variant.Name}'";
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
        StepsView.Write(console, steps.Count > 0 ? steps : recorded.Steps, shown);
        context.Out.WriteLine();

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
