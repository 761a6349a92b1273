using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Sim.Cli.Configuration;
using Sim.Cli.Hunting;
using Sim.Cli.Output;

namespace Sim.Cli.Commands;

/// <summary>
/// <c>sim hunt-worker --output DIR [--cpu K] [--assembly PATH]...</c> (hidden): a worker process of <c>sim hunt --jobs N</c>, with
/// the hunt's outside assemblies (those of its <c>--project</c>s already built). Reads variants to hunt
/// from its standard input (<see cref="WorkerRequest"/>), explores each with <see cref="HuntLoop.HuntOne"/>, saves its
/// trace under DIR, and answers on its standard output (<see cref="WorkerReply"/>). A <c>stop</c> line, Ctrl-C or
/// SIGTERM stops the variant in progress and ends the worker; a <c>skip N</c> line stops its slice of variant N, if it
/// runs one, and any it is asked for later (<see cref="WorkerRequest.SkipLine"/>); the end of its input ends it. With
/// <c>--cpu K</c> it first pins itself to its K-th core (<see cref="WorkerAffinity"/>).
/// </summary>
internal static class HuntWorkerCommand
{
    /// <summary>The shortest time between two progress replies.</summary>
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromMilliseconds(100);

    public static Command Create(CliContext context)
    {
        var output = new Option<string>("--output") { Required = true, HelpName = "DIR" };
        var cpu = new Option<int?>("--cpu") { HelpName = "K" };
        var command = new Command("hunt-worker", "A worker process of 'sim hunt --jobs N' (not for direct use).") { output, cpu };
        var sources = new ScenarioSourceOptions();
        sources.AddTo(command);
        command.Hidden = true;
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            if (parse.GetValue(cpu) is { } core)
            {
                WorkerAffinity.Pin(core);
            }

            return Serve(context, sources.Load(parse, context), context.FullPath(parse.GetValue(output)!));
        }));
        return command;
    }

    private static int Serve(CliContext context, Catalog catalog, string outputDirectory)
    {
        using var interruption = Interruption.Listen(context);
        using var requests = new BlockingCollection<WorkerRequest>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(interruption.Token);
        var skips = new Skips();
        var reader = new Thread(() => Read(context, requests, stop, skips)) { IsBackground = true, Name = "sim hunt-worker input" };
        reader.Start();
        foreach (var request in requests.GetConsumingEnumerable())
        {
            using var run = skips.Start(request.Index, stop.Token);
            var target = catalog.Select([request.Variant]).Single();
            var options = RecordedSettings.Read(request.Options);
            var task = new HuntTask(request.Index, target, options, request.FirstIteration);
            var clock = Stopwatch.StartNew();
            var next = TimeSpan.Zero;
            var entry = run.IsCancellationRequested ? null : HuntLoop.HuntOne(task, outputDirectory, iteration =>
            {
                if (clock.Elapsed >= next)
                {
                    next = clock.Elapsed + s_progressInterval;
                    Reply(context, new WorkerReply(request.Index, Iteration: iteration));
                }
            }, run.Token);
            skips.End();
            Reply(context, entry is null ? new WorkerReply(request.Index, Stopped: true) : new WorkerReply(request.Index, Entry: entry));
            if (stop.IsCancellationRequested)
            {
                break;
            }
        }

        return ExitCodes.Ok;
    }

    private static void Read(CliContext context, BlockingCollection<WorkerRequest> requests, CancellationTokenSource stop, Skips skips)
    {
        try
        {
            while (context.In.ReadLine() is { } line)
            {
                if (line.Trim() == WorkerRequest.StopLine)
                {
                    stop.Cancel();
                    break;
                }

                if (WorkerRequest.ParseSkip(line.Trim()) is { } skipped)
                {
                    skips.Skip(skipped);
                    continue;
                }

                requests.Add(JsonSerializer.Deserialize<WorkerRequest>(line, Json.Compact) ?? throw new JsonException("an empty request"));
            }
        }
        catch (JsonException ex)
        {
            context.Error.WriteLine($"sim hunt-worker: a request it cannot read: {Format.OneLine(ex.Message)}");
            stop.Cancel();
        }
        finally
        {
            requests.CompleteAdding();
        }
    }

    private static void Reply(CliContext context, WorkerReply reply)
    {
        context.Out.WriteLine(reply.ToLine());
        context.Out.Flush();
    }

    /// <summary>The variants the hunt has settled (<see cref="WorkerRequest.SkipLine"/>), and the run in progress, which a skip of its variant stops.</summary>
    private sealed class Skips
    {
        private readonly HashSet<int> _settled = [];
        private (int Index, CancellationTokenSource Run)? _current;

        /// <summary>The cancellation of a run of variant <paramref name="index"/>: cancelled already if the variant is settled.</summary>
        public CancellationTokenSource Start(int index, CancellationToken stop)
        {
            var run = CancellationTokenSource.CreateLinkedTokenSource(stop);
            lock (_settled)
            {
                if (_settled.Contains(index))
                {
                    run.Cancel();
                }

                _current = (index, run);
            }

            return run;
        }

        /// <summary>The run in progress ended.</summary>
        public void End()
        {
            lock (_settled)
            {
                _current = null;
            }
        }

        /// <summary>Variant <paramref name="index"/> is settled: stop its run in progress, and skip it from now on.</summary>
        public void Skip(int index)
        {
            lock (_settled)
            {
                _settled.Add(index);
                if (_current is { } current && current.Index == index)
                {
                    current.Run.Cancel();
                }
            }
        }
    }
}
