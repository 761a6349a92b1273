using System.CommandLine;
using System.Diagnostics;
using Sim.Cli.Output;
using Sim.Runtime.Stress;
using Spectre.Console;

namespace Sim.Cli.Commands;

/// <summary>
/// <c>sim stress SCENARIO [--variant V] [--runs N | --seconds N]</c>: runs the variant again and again in production
/// mode (real threads, real atomics, real blocking) and reports runs, failures, hangs and the distinct messages.
/// Exit 0: every run clean; 1: a failure or a hang; 2: bad input.
/// </summary>
internal static class StressCommand
{
    public static Command Create(CliContext context)
    {
        var scenario = new Argument<string>("scenario") { Description = "The scenario to run (see 'sim list')." };
        var variant = new Option<string>("--variant") { Description = "The variant; default: the scenario's first (the fixed design).", HelpName = "NAME" };
        var settings = SettingOptions.Stress();
        var command = new Command("stress", "Run one scenario variant on real threads (production mode), many times; report failures and hangs.") { scenario, variant };
        settings.AddTo(command);
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            var s = Catalog.Scenario(parse.GetValue(scenario)!);
            var target = new VariantRef(s, Catalog.Variant(s, parse.GetValue(variant)));
            var resolved = settings.Resolve(parse, context);
            if (resolved.Settings.Stress is { Runs: null, Duration: null })
            {
                throw new UsageException("stress.runs and stress.seconds are both none: give --runs N or --seconds N (or set one in Coyote.config)");
            }

            return Run(context, target, resolved.Settings.Stress);
        }));
        return command;
    }

    private static int Run(CliContext context, VariantRef target, StressOptions options)
    {
        var console = context.Console;
        var limits = string.Join(" or ", new[]
        {
            options.Runs is { } r ? $"{Format.Count(r)} runs" : null,
            options.Duration is { } d ? Format.Duration(d) : null,
        }.Where(x => x is not null));
        context.Out.WriteLine($"Stress: {target.Name} (expected under exploration: {target.Variant.Expected})");
        context.Out.WriteLine($"Production mode, real threads: {limits}, hang timeout {Format.Duration(options.HangTimeout)}, stop after {options.MaxHangs} hangs");
        context.Out.WriteLine();

        var program = target.Scenario.Program(target.Variant);
        StressResult result;
        if (context.Interactive)
        {
            result = console.Status().Start("Running...", status =>
                StressRunner.Run(program, options, (n, _) =>
                {
                    if (n % 10 == 0)
                    {
                        status.Status($"Running... {Format.Count(n)} runs");
                    }
                }));
        }
        else
        {
            var clock = Stopwatch.StartNew();
            var next = TimeSpan.FromSeconds(10);
            var failed = 0;
            result = StressRunner.Run(program, options, (n, f) =>
            {
                failed += f ? 1 : 0;
                if (clock.Elapsed >= next)
                {
                    context.Out.WriteLine($"... {Format.Count(n)} runs, {Format.Count(failed)} failed, {Format.Duration(clock.Elapsed)}");
                    next += TimeSpan.FromSeconds(10);
                }
            });
        }

        context.Out.WriteLine(
            $"Runs: {Format.Count(result.Runs)}   Failures: {Format.Count(result.Failures)}   Hangs: {Format.Count(result.Hangs)}   " +
            $"Wall time: {Format.Duration(result.Elapsed)}   Runs/s: {Format.Rate(result.Runs, result.Elapsed)}");
        if (result.FirstFailingRun is { } first)
        {
            context.Out.WriteLine($"First failure: run {Format.Count(first)}, after {Format.Duration(result.TimeToFirstFailure ?? TimeSpan.Zero)}");
        }

        if (result.Messages.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple).AddColumn(new TableColumn("Runs").RightAligned()).AddColumn("Message");
            foreach (var (message, count) in result.Messages.OrderByDescending(m => m.Value).ThenBy(m => m.Key, StringComparer.Ordinal))
            {
                table.AddRow(new Text(Format.Count(count)), new Text(message));
            }

            console.Write(table);
        }

        if (result.Hangs >= options.MaxHangs)
        {
            context.Out.WriteLine($"Stopped after {result.Hangs} hangs (stress.maxHangs); hung runs leave their threads blocked until the process exits.");
        }

        if (result.FoundBug)
        {
            console.MarkupLineInterpolated($"[bold red]FAILED[/]: {result.Failures} failures and {result.Hangs} hangs in {Format.Count(result.Runs)} runs");
            return ExitCodes.Finding;
        }

        console.MarkupLineInterpolated($"[bold green]CLEAN[/]: {Format.Count(result.Runs)} runs without a failure");
        return ExitCodes.Ok;
    }
}
