using System.Collections.Concurrent;
using System.Diagnostics;
using Sim.Cli.Configuration;
using Sim.Cli.Reports;
using Sim.Runtime.Coverage;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Catalog;

namespace Sim.Cli.Hunting;

/// <summary>
/// Hunts the plan's variants in <see cref="HuntPlan.Jobs"/> worker processes (<c>sim hunt-worker</c>), each exploring one
/// variant at a time: Coyote 1.7.11 keeps process-wide state, so one process explores one variant at a time, and
/// processes are how explorations run side by side. Each worker takes the next variant as it finishes one, the
/// variants expected to be clean first (they run their whole budget; the expected bugs are found in a few iterations),
/// so the last one to finish is short. Every variant is explored with the same options as in one process, so the
/// verdicts are the same. The tasks may also be slices of variants' iterations (<see cref="SliceJoin"/>): a task that is
/// <em>settled</em> already is not started, and one in progress is stopped (<see cref="WorkerRequest.SkipLine"/>) as soon
/// as another worker's task settles it. On Linux, with no more workers than cores, each worker is pinned to a core of
/// its own (<see cref="WorkerAffinity"/>). A worker that dies is an error of the tool, which stops the hunt.
/// </summary>
internal static class HuntWorkers
{
    /// <summary>How long a worker has to finish after its input is closed before it is killed.</summary>
    private static readonly TimeSpan s_exitGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs <paramref name="tasks"/> in the workers until done or <paramref name="stop"/> is cancelled; a task for which
    /// <paramref name="settled"/> holds (default: none) is not started, or stopped if it runs.
    /// </summary>
    public static void Run(HuntPlan plan, IReadOnlyList<HuntTask> tasks, HuntEvents events, CancellationToken stop, Func<HuntTask, bool>? settled = null)
    {
        var queue = new ConcurrentQueue<HuntTask>(tasks.OrderBy(t => t.Variant.Variant.Expected.ExpectsBug).ThenBy(t => t.Index));
        var jobs = Math.Min(plan.Jobs, tasks.Count);
        var slots = Enumerable.Range(0, jobs).Select(_ => new Slot()).ToArray();
        var pool = new Pool(queue, events, settled ?? (_ => false), slots);
        var workers = Enumerable.Range(0, jobs)
            .Select(i => new Thread(() => Serve(plan, WorkerAffinity.CoreFor(i, jobs), slots[i], pool, stop)) { IsBackground = true, Name = "sim hunt worker" })
            .ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
    }

    private static void Serve(HuntPlan plan, int? core, Slot self, Pool pool, CancellationToken stop)
    {
        string[] pin = core is { } k ? ["--cpu", k.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
        using var process = Process.Start(SelfProcess.StartInfo(["hunt-worker", "--output", plan.OutputDirectory, .. pin, .. plan.Assemblies.SelectMany(a => new[] { "--assembly", a })]))
            ?? throw new InvalidOperationException("could not start a worker process");
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var stopping = stop.Register(() => Send(process, WorkerRequest.StopLine));
        var events = pool.Events;
        try
        {
            while (!stop.IsCancellationRequested && pool.Queue.TryDequeue(out var task))
            {
                if (pool.Settled(task))
                {
                    continue;
                }

                pool.Begin(self, process, task);
                events.Starting(task);
                if (!Send(process, new WorkerRequest(task.Index, task.Variant.Name, RecordedSettings.Of(task.Options), task.FirstIteration).ToLine()))
                {
                    events.Finished(task, Died(task, process, errors));
                    return;
                }

                var reply = Await(process, task, events);
                pool.End(self);
                if (reply?.Entry is { } entry)
                {
                    events.Finished(task, entry);
                    pool.SkipSettled();
                }
                else if (reply is null)
                {
                    if (!stop.IsCancellationRequested)
                    {
                        events.Finished(task, Died(task, process, errors));
                    }

                    return;
                }
            }
        }
        finally
        {
            Close(process);
        }
    }

    /// <summary>Reads the worker's replies for <paramref name="task"/> until its entry or its stop; null if the worker's output ended.</summary>
    private static WorkerReply? Await(Process process, HuntTask task, HuntEvents events)
    {
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (WorkerReply.Parse(line) is not { } reply || reply.Index != task.Index)
            {
                continue;
            }

            if (reply.Entry is not null || reply.Stopped)
            {
                return reply;
            }

            if (reply.Iteration is { } iteration)
            {
                events.Iteration(task, iteration);
            }
        }

        return null;
    }

    private static bool Send(Process process, string line)
    {
        try
        {
            lock (process)
            {
                process.StandardInput.WriteLine(line);
                process.StandardInput.Flush();
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
    }

    private static void Close(Process process)
    {
        try
        {
            lock (process)
            {
                process.StandardInput.Close();
            }
        }
        catch (IOException)
        {
        }

        if (!process.WaitForExit(s_exitGrace))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    /// <summary>What the workers share: the tasks, where their events go, and which task each runs.</summary>
    private sealed record Pool(ConcurrentQueue<HuntTask> Queue, HuntEvents Events, Func<HuntTask, bool> Settled, Slot[] Slots)
    {
        public void Begin(Slot slot, Process process, HuntTask task)
        {
            lock (Slots)
            {
                (slot.Process, slot.Task) = (process, task);
            }
        }

        public void End(Slot slot)
        {
            lock (Slots)
            {
                slot.Task = null;
            }
        }

        /// <summary>Tells each worker whose task is settled now to stop it.</summary>
        public void SkipSettled()
        {
            lock (Slots)
            {
                foreach (var slot in Slots)
                {
                    if (slot is { Task: { } task, Process: { } process } && Settled(task))
                    {
                        Send(process, WorkerRequest.SkipLine(task.Index));
                    }
                }
            }
        }
    }

    /// <summary>A worker: its process, and the task it runs (null between tasks).</summary>
    private sealed class Slot
    {
        public Process? Process { get; set; }

        public HuntTask? Task { get; set; }
    }

    /// <summary>The entry of a variant whose worker died: an error of the tool, with what the worker wrote on its way out.</summary>
    private static HuntEntry Died(HuntTask task, Process process, Task<string> errors)
    {
        Close(process);
        var said = errors.Wait(TimeSpan.FromSeconds(2)) ? Output.Format.OneLine(errors.Result) : string.Empty;
        var message = $"the worker process exploring it exited with code {process.ExitCode}{(said.Length == 0 ? string.Empty : $": {said}")}";
        var target = task.Variant;
        return new HuntEntry(
            target.Scenario.Name, target.Variant.Name, target.Variant.Expected.ToString(), target.Variant.Expected.ExpectsBug,
            Outcome.ToolError, null, message, VerdictKind.Error, $"error of the tool (not a finding): {message}",
            0, 0, 0, task.Options.Strategy.Name(), null, new ExplorationCoverage(0, 0, 0), [], task.FirstIteration);
    }
}
