using System.Diagnostics;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Stress;

/// <summary>
/// Production mode: runs a program again and again on real OS threads, with real atomics, blocking and time, and
/// counts the runs in which an invariant failed, a thread threw, the threads deadlocked, or the run hung. This is how a
/// race is hunted without a model checker; the comparison with <see cref="Exploration.Explorer"/> is why Sim exists.
/// </summary>
/// <remarks>
/// Three things make the threads of a run really run at the same time, after OpenJDK's jcstress: OS threads kept across
/// runs (<see cref="WorkerPool"/>), a start gate that releases the threads the main body starts together
/// (<see cref="StartGate"/>), and seeded noise at the Runtime's points (<see cref="StressNoise"/>). Each run has a seed
/// for its choices and noise, so a failing run's decisions can be run again (<see cref="StressOptions.RepeatSeed"/>);
/// the OS's scheduling is not reproduced, which is what exploration is for.
/// </remarks>
public static class StressRunner
{
    /// <summary>The message recorded for a run that hangs.</summary>
    public const string HangMessage = "hang: the run did not finish within the hang timeout (a livelock, or a thread blocked outside the Runtime)";

    /// <summary>The longest a run's threads get to unwind once it is ended (a hang, an interrupt, or a failure in the main thread).</summary>
    private static readonly TimeSpan s_unwindGrace = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="program"/> until the run count or the duration is reached, or until cancelled.</summary>
    /// <param name="program">The program: the body of the simulated main thread.</param>
    /// <param name="options">How long to run, and how.</param>
    /// <param name="progress">Called after each run with the runs so far and whether that run failed or hung.</param>
    /// <param name="cancel">Stops the stress run: the run in progress is ended and not counted, and the result says so.</param>
    public static StressResult Run(Action<SimRuntime> program, StressOptions options, Action<int, bool>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        var seed = options.Seed ?? (uint)Random.Shared.NextInt64(0, (long)uint.MaxValue + 1);
        var findings = new Dictionary<string, Tally>(StringComparer.Ordinal);
        var pool = options.Launch == ThreadLaunch.Fresh ? null : new WorkerPool();
        var clock = Stopwatch.StartNew();
        int runs = 0, failures = 0, hangs = 0, abandoned = 0, freshThreads = 0;
        var learned = new MainProfile(0, false);
        var interrupted = false;
        try
        {
            while ((options.Runs is not { } max || runs < max)
                && (options.Duration is not { } d || clock.Elapsed < d)
                && hangs < options.MaxHangs)
            {
                if (cancel.IsCancellationRequested)
                {
                    interrupted = true;
                    break;
                }

                var run = new StressRun(options.RunSeed(seed, runs + 1), options.NoiseRate, options.Launch, pool, learned);
                var outcome = RunOnce(program, run, pool, options.HangTimeout, cancel);
                abandoned += outcome.Abandoned;
                freshThreads += outcome.Threads;
                if (outcome.Interrupted)
                {
                    interrupted = true;
                    break;
                }

                runs++;
                learned = run.Learned.Starts > 0 ? run.Learned : learned;
                if (outcome.Message is { } message)
                {
                    if (outcome.Hung)
                    {
                        hangs++;
                    }
                    else
                    {
                        failures++;
                    }

                    if (findings.TryGetValue(message, out var tally))
                    {
                        tally.Runs++;
                    }
                    else
                    {
                        findings[message] = new Tally(runs, run.Seed, clock.Elapsed, outcome.Details, outcome.Hung);
                    }
                }

                progress?.Invoke(runs, outcome.Message is not null);
            }
        }
        finally
        {
            pool?.Dispose();
        }

        return new StressResult
        {
            Runs = runs,
            Failures = failures,
            Hangs = hangs,
            Elapsed = clock.Elapsed,
            Seed = seed,
            Findings = [.. findings
                .Select(f => new StressFinding(f.Key, f.Value.Runs, f.Value.FirstRun, f.Value.Seed, f.Value.FirstAt, f.Value.Details, f.Value.IsHang))
                .OrderByDescending(f => f.Runs).ThenBy(f => f.FirstRun)],
            Interrupted = interrupted,
            AbandonedThreads = abandoned,
            OsThreads = pool?.Created ?? freshThreads,
        };
    }

    /// <summary>
    /// One run, its main thread on a pool worker (or a new OS thread): the failure (null if the run was clean), and
    /// whether it hung. A hung run is ended: what each thread was doing is kept for the report, then every thread is
    /// woken or stopped at its next Runtime point; those that do not stop within a grace period are abandoned.
    /// </summary>
    private static Outcome RunOnce(Action<SimRuntime> program, StressRun run, WorkerPool? pool, TimeSpan hangTimeout, CancellationToken cancel)
    {
        SimRuntime? runtime = null;
        var done = new ManualResetEventSlim();
        void Main()
        {
            var rt = SimRuntime.CreateProduction(run);
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
                run.MainWaits(rt.MainThread.Production?.Points ?? 0);
                SimThread.Current = null;
                done.Set();
            }
        }

        if (pool is null)
        {
            new Thread(Main) { IsBackground = true, Name = "sim stress main" }.Start();
        }
        else
        {
            pool.Run(Main);
        }

        bool finished;
        var interrupted = false;
        try
        {
            finished = done.Wait(hangTimeout, cancel);
        }
        catch (OperationCanceledException)
        {
            finished = false;
            interrupted = true;
        }

        var rt = Volatile.Read(ref runtime);
        var platform = rt?.Production;
        var threads = rt?.Threads.Count ?? 1;
        string? snapshot = null;
        if (!finished)
        {
            snapshot = platform?.DescribeThreads();
            rt?.EndRun();
            finished = done.Wait(s_unwindGrace, CancellationToken.None);
        }

        // A main thread that failed or was ended may leave threads unwinding: the next run starts when they are gone.
        var abandoned = (finished ? 0 : 1) + (platform is null || platform.WaitForThreadsToExit(s_unwindGrace)
            ? 0
            : rt!.Threads.Count(t => t.IsStarted && !t.HasExited && !ReferenceEquals(t, rt.MainThread)));
        if (finished)
        {
            done.Dispose();
        }

        if (interrupted)
        {
            return new Outcome(null, null, Hung: false, Interrupted: true, abandoned, threads);
        }

        if (rt?.Failure is { } failure)
        {
            return new Outcome(failure.Message, failure.Details, Hung: false, Interrupted: false, abandoned, threads);
        }

        return snapshot is null && platform is not null
            ? new Outcome(null, null, Hung: false, Interrupted: false, abandoned, threads)
            : new Outcome(HangMessage, snapshot is null ? null : $"when the hang timeout expired: {snapshot}", Hung: true, Interrupted: false, abandoned, threads);
    }

    private sealed record Outcome(string? Message, string? Details, bool Hung, bool Interrupted, int Abandoned, int Threads);

    private sealed class Tally(int firstRun, uint seed, TimeSpan firstAt, string? details, bool isHang)
    {
        public int Runs { get; set; } = 1;

        public int FirstRun { get; } = firstRun;

        public uint Seed { get; } = seed;

        public TimeSpan FirstAt { get; } = firstAt;

        public string? Details { get; } = details;

        public bool IsHang { get; } = isHang;
    }
}
