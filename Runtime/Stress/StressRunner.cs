using System.Diagnostics;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Stress;

/// <summary>
/// Production mode: runs a program again and again on real OS threads, with real atomics, blocking and time, and
/// counts the runs in which an invariant failed, a thread threw, or the threads hung. This is how a race is hunted
/// without a model checker; the comparison with <see cref="Exploration.Explorer"/> is why Sim exists.
/// </summary>
public static class StressRunner
{
    /// <summary>The message recorded for a run that hangs.</summary>
    public const string HangMessage = "hang: the run did not finish within the hang timeout (a deadlock or a lost wake-up)";

    /// <summary>Runs <paramref name="program"/> until the run count or the duration is reached.</summary>
    /// <param name="program">The program: the body of the simulated main thread.</param>
    /// <param name="options">How long to run.</param>
    /// <param name="progress">Called after each run with the runs so far and whether that run failed.</param>
    public static StressResult Run(Action<SimRuntime> program, StressOptions options, Action<int, bool>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        var messages = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        int runs = 0, failures = 0, hangs = 0;
        int? firstFailingRun = null;
        TimeSpan? firstFailureAt = null;
        while ((options.Runs is not { } max || runs < max)
            && (options.Duration is not { } d || clock.Elapsed < d)
            && hangs < options.MaxHangs)
        {
            runs++;
            var (message, hung) = RunOnce(program, options.HangTimeout);
            if (hung)
            {
                hangs++;
            }

            if (message is not null)
            {
                if (!hung || message != HangMessage)
                {
                    failures++;
                }

                messages[message] = messages.GetValueOrDefault(message) + 1;
                firstFailingRun ??= runs;
                firstFailureAt ??= clock.Elapsed;
            }

            progress?.Invoke(runs, message is not null);
        }

        return new StressResult
        {
            Runs = runs,
            Failures = failures,
            Hangs = hangs,
            Elapsed = clock.Elapsed,
            Messages = messages,
            FirstFailingRun = firstFailingRun,
            TimeToFirstFailure = firstFailureAt,
        };
    }

    /// <summary>
    /// One run on a fresh main thread: the failure message (null if the run was clean) and whether it hung. A run that
    /// hangs after an invariant failed reports the failure, which is the cause.
    /// </summary>
    private static (string? Message, bool Hung) RunOnce(Action<SimRuntime> program, TimeSpan hangTimeout)
    {
        SimRuntime? runtime = null;
        var main = new Thread(() =>
        {
            var rt = SimRuntime.CreateProduction();
            Volatile.Write(ref runtime, rt);
            try
            {
                program(rt);
                rt.WaitForAllThreads();
            }
            catch (Exception ex) when (ex is InvariantViolationException or RunEndedException or ThreadGoneException)
            {
                // Already recorded by the runtime (the run ended at its first failure).
            }
            catch (Exception ex)
            {
                rt.Platform.ReportThreadException(rt.MainThread, ex);
            }
            finally
            {
                SimThread.Current = null;
            }
        })
        { IsBackground = true, Name = "sim stress main" };
        main.Start();
        var finished = main.Join(hangTimeout);
        var failure = Volatile.Read(ref runtime)?.Failure?.Message;
        return finished ? (failure, false) : (failure ?? HangMessage, true);
    }
}
