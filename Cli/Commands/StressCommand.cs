using System.CommandLine;
using System.Diagnostics;
using Sim.Cli.Configuration;
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
        var settings = new SettingOptions()
            .Add("--hang-timeout", "stress.hangTimeoutSeconds", "SECONDS")
            .Add("--max-hangs", "stress.maxHangs", "N");
        var runs = new Option<string>("--runs") { Description = $"Run this many times (instead of --seconds). {Field("stress.runs")}", HelpName = "N" };
        var seconds = new Option<string>("--seconds") { Description = $"Run for this long (instead of --runs). {Field("stress.seconds")}", HelpName = "SECONDS" };
        var command = new Command("stress", "Run one scenario variant on real threads (production mode), many times; report failures and hangs.") { scenario, variant, runs, seconds };
        settings.AddTo(command);
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            var s = Catalog.Scenario(parse.GetValue(scenario)!);
            var target = new VariantRef(s, Catalog.Variant(s, parse.GetValue(variant)));
            var (runsText, secondsText) = (parse.GetValue(runs), parse.GetValue(seconds));
            if (runsText is not null && secondsText is not null)
            {
                throw new UsageException("give --runs or --seconds, not both");
            }

            // A flag for one limit replaces both limits of the lower layers.
            List<FlagValue> limits = runsText is not null
                ? [new("stress.runs", "--runs", runsText), new("stress.seconds", "--runs", "none")]
                : secondsText is not null
                    ? [new("stress.seconds", "--seconds", secondsText), new("stress.runs", "--seconds", "none")]
                    : [];
            var resolved = settings.Resolve(parse, context, limits);
            if (resolved.Settings.StressRuns is null && resolved.Settings.StressSeconds is null)
            {
                throw new UsageException("stress.runs and stress.seconds are both none: give --runs N or --seconds N (or set one in Coyote.config)");
            }

            return Run(context, target, resolved.Settings.ToStressOptions());
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

    private static string Field(string key)
    {
        var field = SettingFields.Get(key);
        return $"[config: {field.Key}; env: {field.EnvironmentVariable}]";
    }
}
