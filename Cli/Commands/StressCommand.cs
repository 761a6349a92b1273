using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Sim.Cli.Output;
using Sim.Cli.Reports;
using Sim.Runtime.Stress;
using Spectre.Console;

namespace Sim.Cli.Commands;

/// <summary>
/// <c>sim stress SCENARIO [--variant V] [--runs N | --seconds N] [--noise RATE] [--seed N [--repeat-seed]] [--json]</c>:
/// runs the variant again and again in production mode (real threads, real atomics, real blocking) and reports runs,
/// failures, hangs and the distinct messages, with the seed of each message's first run, the command that runs that
/// seed again, and the command that explores the variant for a replayable trace. Exit 0: every run clean; 1: a failure
/// or a hang; 2: bad input; 130: interrupted (after printing the runs so far).
/// </summary>
internal static class StressCommand
{
    public static Command Create(CliContext context)
    {
        var scenario = new Argument<string>("scenario") { Description = "The scenario to run (see 'sim list')." };
        var variant = new Option<string>("--variant") { Description = "The variant; default: the scenario's first (the fixed design).", HelpName = "NAME" };
        var repeat = new Option<bool>("--repeat-seed") { Description = "Every run uses the seed of --seed (to run a failing run's choices and noise again)." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (runs, failures by message, runs/s, settings) instead of text." };
        var settings = SettingOptions.Stress();
        var command = new Command("stress", "Run one scenario variant on real threads (production mode), many times; report failures and hangs.")
        {
            scenario, variant, repeat, json,
        };
        var sources = new ScenarioSourceOptions();
        sources.AddTo(command);
        settings.AddTo(command);
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            var target = sources.Load(parse, context).Find(parse.GetValue(scenario)!, parse.GetValue(variant));
            var resolved = settings.Resolve(parse, context);
            var options = resolved.Settings.Stress;
            if (options is { Runs: null, Duration: null })
            {
                throw new UsageException("stress.runs and stress.seconds are both none: give --runs N or --seconds N (or set one in Coyote.config)");
            }

            if (parse.GetValue(repeat))
            {
                options = options.Seed is not null
                    ? options with { RepeatSeed = true }
                    : throw new UsageException("--repeat-seed needs a seed: give --seed N (the seed a failure printed)");
            }

            // Draw the seed here, so that the header can show it before the first run.
            options = options with { Seed = options.Seed ?? (uint)Random.Shared.NextInt64(0, (long)uint.MaxValue + 1) };
            return Run(context, target, options, parse.GetValue(json));
        }));
        return command;
    }

    private static int Run(CliContext context, VariantRef target, StressOptions options, bool json)
    {
        using var interruption = Interruption.Listen(context);
        var program = target.Scenario.Program(target.Variant);
        if (json)
        {
            var quiet = StressRunner.Run(program, options, cancel: interruption.Token);
            context.Out.Write(Output.Json.Serialize(Report(target, options, quiet)));
            return ExitCode(quiet);
        }

        context.Out.WriteLine($"Stress: {target.Name} (expected under exploration: {target.Variant.Expected})");
        context.Out.WriteLine($"Production mode, real threads: {Limits(options)}, hang timeout {Format.Duration(options.HangTimeout)}, stop after {options.MaxHangs} hangs");
        context.Out.WriteLine($"Noise {Invariant(options.NoiseRate)} per Runtime point; {Seeds(options)}");
        context.Out.WriteLine();

        var result = context.Interactive
            ? context.Console.Status().Start("Running...", status => StressRunner.Run(program, options, (n, _) =>
            {
                if (n % 100 == 0)
                {
                    status.Status($"Running... {Format.Count(n)} runs");
                }
            }, interruption.Token))
            : RunWithProgressLines(context, program, options, interruption.Token);
        WriteText(context, target, options, result);
        return ExitCode(result);
    }

    private static StressResult RunWithProgressLines(CliContext context, Action<Sim.Runtime.SimRuntime> program, StressOptions options, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var next = TimeSpan.FromSeconds(10);
        var failed = 0;
        return StressRunner.Run(program, options, (n, f) =>
        {
            failed += f ? 1 : 0;
            if (clock.Elapsed >= next)
            {
                context.Out.WriteLine($"... {Format.Count(n)} runs, {Format.Count(failed)} failed, {Format.Duration(clock.Elapsed)}");
                next += TimeSpan.FromSeconds(10);
            }
        }, cancel);
    }

    private static void WriteText(CliContext context, VariantRef target, StressOptions options, StressResult result)
    {
        var console = context.Console;
        var output = context.Out;
        if (result.Interrupted)
        {
            console.MarkupLineInterpolated($"[bold yellow]INTERRUPTED[/] after {Format.Count(result.Runs)} runs; the runs so far:");
        }

        output.WriteLine(
            $"Runs: {Format.Count(result.Runs)}   Failures: {Format.Count(result.Failures)}   Hangs: {Format.Count(result.Hangs)}   " +
            $"Wall time: {Format.Duration(result.Elapsed)}   Runs/s: {Format.Rate(result.Runs, result.Elapsed)}");
        var first = result.FirstFinding;
        if (first is not null)
        {
            output.WriteLine($"First failure: run {Format.Count(first.FirstRun)} (seed {first.Seed}), after {Format.Duration(first.FirstAt)}");
        }

        if (result.Findings.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple)
                .AddColumn(new TableColumn("Runs").RightAligned())
                .AddColumn(new TableColumn("First run").RightAligned())
                .AddColumn(new TableColumn("Seed").RightAligned())
                .AddColumn("Message");
            foreach (var f in result.Findings)
            {
                table.AddRow(new Text(Format.Count(f.Runs)), new Text(Format.Count(f.FirstRun)), new Text(Invariant(f.Seed)), new Text(f.Message));
            }

            console.Write(table);
            foreach (var f in result.Findings.Where(f => f.Details is not null))
            {
                output.WriteLine($"Run {Format.Count(f.FirstRun)} ({Short(f.Message)}):");
                foreach (var line in f.Details!.ReplaceLineEndings("\n").Split('\n'))
                {
                    output.WriteLine($"    {line}");
                }
            }

            output.WriteLine();
            var seed = first!.Seed;
            output.WriteLine($"Run the first failure's choices and noise again (the OS's scheduling differs from run to run): {RerunCommand(target, options, seed)}");
            output.WriteLine($"For a replayable trace, explore the variant: {ExploreCommand(target)}");
        }

        if (result.AbandonedThreads > 0)
        {
            output.WriteLine($"{Format.Count(result.AbandonedThreads)} threads of hung runs did not stop when their run was ended and were left running.");
        }

        if (result.Hangs >= options.MaxHangs)
        {
            output.WriteLine($"Stopped after {result.Hangs} hangs (stress.maxHangs).");
        }

        if (result.FoundBug)
        {
            console.MarkupLineInterpolated($"[bold red]FAILED[/]: {result.Failures} failures and {result.Hangs} hangs in {Format.Count(result.Runs)} runs");
        }
        else
        {
            console.MarkupLineInterpolated($"[bold green]CLEAN[/]: {Format.Count(result.Runs)} runs without a failure");
        }
    }

    private static int ExitCode(StressResult result) =>
        result.Interrupted ? ExitCodes.Interrupted : result.FoundBug ? ExitCodes.Finding : ExitCodes.Ok;

    private static StressReport Report(VariantRef target, StressOptions options, StressResult result) => new()
    {
        Scenario = target.Scenario.Name,
        Variant = target.Variant.Name,
        Expected = target.Variant.Expected.ToString(),
        Settings = new StressSettingsRecord(options.Runs, options.Duration?.TotalSeconds, options.HangTimeout.TotalSeconds, options.MaxHangs, options.NoiseRate, result.Seed, options.RepeatSeed),
        Clean = !result.FoundBug,
        Interrupted = result.Interrupted,
        Runs = result.Runs,
        Failures = result.Failures,
        Hangs = result.Hangs,
        ElapsedSeconds = result.Elapsed.TotalSeconds,
        RunsPerSecond = result.Elapsed.TotalSeconds > 0 ? result.Runs / result.Elapsed.TotalSeconds : 0,
        OsThreads = result.OsThreads,
        AbandonedThreads = result.AbandonedThreads,
        ExploreCommand = ExploreCommand(target),
        Findings = [.. result.Findings.Select(f => new StressFailureRecord(
            f.Message, f.IsHang ? "hang" : "failure", f.Runs, f.FirstRun, f.Seed, f.FirstAt.TotalSeconds, f.Details, RerunCommand(target, options, f.Seed)))],
    };

    private static string Limits(StressOptions options) => string.Join(" or ", new[]
    {
        options.Runs is { } r ? $"{Format.Count(r)} runs" : null,
        options.Duration is { } d ? Format.Duration(d) : null,
    }.Where(x => x is not null));

    private static string Seeds(StressOptions options) => options.RepeatSeed
        ? $"every run uses seed {options.Seed}"
        : $"run k uses seed {options.Seed} + k - 1";

    private static string RerunCommand(VariantRef target, StressOptions options, uint seed)
    {
        var limit = options.Duration is { } d ? $"--seconds {d.TotalSeconds.ToString(CultureInfo.InvariantCulture)}" : $"--runs {options.Runs}";
        return $"sim stress {target.Scenario.Name} --variant {target.Variant.Name}{target.Flags} --seed {seed} --repeat-seed --noise {Invariant(options.NoiseRate)} {limit}";
    }

    private static string ExploreCommand(VariantRef target) => $"sim explore {target.Scenario.Name} --variant {target.Variant.Name}{target.Flags}";

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);

    private static string Short(string message) => message.Length <= 80 ? message : message[..77] + "...";
}
