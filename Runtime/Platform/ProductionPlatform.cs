using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Sim.Runtime.Cells;
using Sim.Runtime.Parking;
using Sim.Runtime.Stress;
using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Platform;

/// <summary>
/// Production mode: real OS threads, real blocking (a monitor per parked thread stands for its semaphore), the real
/// monotonic clock, and invariant violations as exceptions. Scheduling points and trace steps cost nothing, except in a
/// stress run, where each is a point of seeded noise (<see cref="StressNoise"/>) and threads come from the run's pool.
/// </summary>
/// <remarks>
/// Deadlocks are detected as in controlled mode, without a timeout: the platform counts the threads that can run (started,
/// not exited, not blocked without a timeout in a park or a join). A thread that blocks is counted out, and its waker
/// counts it back in before it wakes it, so when the count reaches zero no thread can ever wake another: the run is
/// reported as a deadlock, naming what each thread waits for, and ended.
/// </remarks>
internal sealed class ProductionPlatform : ExecutionPlatform
{
    private static readonly double s_ticksPerNano = Stopwatch.Frequency / 1e9;

    private readonly StressRun? _run;
    private readonly uint _seed;

    /// <summary>Threads that can run: the main thread, plus every started thread, minus the exited and the blocked.</summary>
    private int _running = 1;

    public ProductionPlatform(SimRuntime runtime, StressRun? run)
        : base(runtime)
    {
        _run = run;
        _seed = run?.Seed ?? (uint)Random.Shared.NextInt64(0, (long)uint.MaxValue + 1);
        Noise = run is null ? null : new StressNoise(runtime, run.NoiseRate);
    }

    /// <summary>The noise of a stress run (the cells call it at each access), or null outside stress runs.</summary>
    public StressNoise? Noise { get; }

    public override void StartThread(SimThread thread)
    {
        var starter = SimThread.Current;
        Point(starter);
        thread.Production = new ProductionThread(thread, _seed) { Waiting = "has not started its body yet" };
        Interlocked.Increment(ref _running);
        if (_run is null)
        {
            new Thread(() => Run(thread)) { IsBackground = true, Name = $"sim {thread}" }.Start();
            return;
        }

        var byMain = ReferenceEquals(starter, Runtime.MainThread);
        if (byMain)
        {
            _run.MainStarts(StateOf(starter!).Points);
        }

        _run.Launch(() => Run(thread), $"sim {thread}", byMain);
    }

    public override void WaitForExit(SimThread me, SimThread target)
    {
        Point(me);
        MainWaits(me);
        var exiting = target.Production;
        if (exiting is null)
        {
            return;
        }

        var mine = StateOf(me);
        bool deadlocked;
        lock (exiting)
        {
            if (target.HasExited)
            {
                return;
            }

            mine.Waiting = $"waits for {target} to exit (join)";
            exiting.BlockedJoiners++;
            deadlocked = Interlocked.Decrement(ref _running) == 0;
            while (!deadlocked && !target.HasExited && !Runtime.HasEnded)
            {
                Monitor.Wait(exiting);
            }
        }

        if (deadlocked)
        {
            ReportDeadlock();
        }

        mine.Waiting = null;
        ThrowIfStopped(me);
    }

    public override bool WaitForWake(SimThread me, ParkWaiter waiter, long timeoutNanos, string addressName)
    {
        MainWaits(me);
        var mine = StateOf(me);
        var deadlocked = false;
        try
        {
            lock (waiter)
            {
                // A thread that vanished in a fork, or whose run ended, must not block: both are marked before the parked
                // threads are woken, so a thread that parks later sees the mark here.
                ThrowIfStopped(me);
                if (timeoutNanos >= 0)
                {
                    mine.Waiting = $"parked on {addressName} with a timeout";
                    return WaitTimed(mine, waiter, timeoutNanos);
                }

                if (!waiter.Woken)
                {
                    mine.Waiting = $"parked on {addressName}";
                    mine.ParkCounted = true;
                    deadlocked = Interlocked.Decrement(ref _running) == 0;
                    while (!deadlocked && !waiter.Woken)
                    {
                        Monitor.Wait(waiter);
                    }
                }
            }

            if (deadlocked)
            {
                ReportDeadlock();
                ThrowIfStopped(me);
            }

            return true;
        }
        finally
        {
            mine.Waiting = null;
        }
    }

    public override void Wake(ParkWaiter waiter)
    {
        lock (waiter)
        {
            if (waiter.Thread.Production is { ParkCounted: true } parked)
            {
                parked.ParkCounted = false;
                Interlocked.Increment(ref _running);
            }

            waiter.Woken = true;
            Monitor.Pulse(waiter);
        }
    }

    public override void Step(AccessKind kind, string target, object? a = null, object? b = null, SharedCell? cell = null) => Point(SimThread.Current);

    public override void Note(AccessKind kind, string target, object? result = null)
    {
    }

    public override AtomicSectionScope AtomicSection() => default;

    public override void Yield(string why)
    {
        var me = SimThread.Current;
        Point(me);
        if (me is not null && ReferenceEquals(me.Runtime, Runtime))
        {
            MainWaits(me);
            StateOf(me).LastYield = why;
        }

        Thread.Yield();
    }

    public override long NowNanos() => (long)(Stopwatch.GetTimestamp() / s_ticksPerNano);

    public override bool ChooseBool(string label) => Choose(2) == 1;

    public override int ChooseInt(string label, int count) => Choose(count);

    [DoesNotReturn]
    public override void Fail(string message)
    {
        // A thread that vanished in a fork runs on until its next Runtime point (a real fork leaves it behind at once):
        // what it finds in the child's memory meanwhile is not a finding, since in the child it does not exist.
        ThrowIfStopped(SimThread.Current);
        Runtime.RecordFailure(RecordedFailure.Check(message));
        throw new InvariantViolationException(message);
    }

    public override void ReportThreadException(SimThread thread, Exception exception)
    {
        if (exception is not InvariantViolationException)
        {
            Runtime.RecordFailure(RecordedFailure.ThreadThrew(thread, exception));
        }
    }

    /// <summary>What every live thread is doing, one clause each: for deadlock and hang reports.</summary>
    public string DescribeThreads() =>
        string.Join("; ", Runtime.Threads.Where(t => t.IsLive).Select(t => t.Production?.Describe() ?? $"{t} running"));

    /// <summary>The run has ended: wakes every joiner and opens the start gate, so that every thread unwinds.</summary>
    public void ReleaseAll()
    {
        _run?.ReleaseGates();
        foreach (var state in Runtime.Threads.Select(t => t.Production).OfType<ProductionThread>())
        {
            lock (state)
            {
                Interlocked.Add(ref _running, state.BlockedJoiners);
                state.BlockedJoiners = 0;
                Monitor.PulseAll(state);
            }
        }
    }

    /// <summary>Waits until every started thread has exited; false if some are still running at the deadline.</summary>
    public bool WaitForThreadsToExit(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        foreach (var t in Runtime.Threads)
        {
            if (t.Production is not { } state || ReferenceEquals(t, Runtime.MainThread))
            {
                continue;
            }

            lock (state)
            {
                while (!t.HasExited)
                {
                    var left = deadline - Stopwatch.GetTimestamp();
                    if (left <= 0)
                    {
                        return false;
                    }

                    Monitor.Wait(state, WaitMilliseconds(left));
                }
            }
        }

        return true;
    }

    /// <summary>
    /// The milliseconds to pass to <see cref="Monitor.Wait(object, int)"/> for <paramref name="ticks"/> of the
    /// <see cref="Stopwatch"/> clock, rounded up: a timed wait blocks for its whole timeout (at most a millisecond more)
    /// instead of spinning through its last millisecond with waits of 0 ms.
    /// </summary>
    internal static int WaitMilliseconds(long ticks) =>
        ticks <= 0 ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(ticks * 1000.0 / Stopwatch.Frequency));

    private bool WaitTimed(ProductionThread mine, ParkWaiter waiter, long timeoutNanos)
    {
        var now = Stopwatch.GetTimestamp();
        var ticks = timeoutNanos * s_ticksPerNano;
        var deadline = ticks >= long.MaxValue - now ? long.MaxValue : now + (long)ticks;
        while (!waiter.Woken)
        {
            var remaining = deadline - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return false;
            }

            mine.TimedWakeups++;
            Monitor.Wait(waiter, WaitMilliseconds(remaining));
        }

        return true;
    }

    private int Choose(int count) =>
        SimThread.Current is { } me && ReferenceEquals(me.Runtime, Runtime) ? StateOf(me).Choose(count) : Random.Shared.Next(count);

    /// <summary>The state of a thread of this runtime; the main thread's is created on its first use, by itself.</summary>
    private ProductionThread StateOf(SimThread me) => me.Production ??= new ProductionThread(me, _seed);

    private void MainWaits(SimThread me)
    {
        if (_run is not null && ReferenceEquals(me, Runtime.MainThread))
        {
            _run.MainWaits(StateOf(me).Points);
        }
    }

    private void ReportDeadlock()
    {
        if (!Runtime.HasEnded)
        {
            Runtime.RecordFailure(RecordedFailure.Deadlock(DescribeThreads()));
        }
    }

    /// <summary>A Runtime point of a thread: stops it if its run ended or it vanished in a fork; noise in a stress run.</summary>
    private void Point(SimThread? me)
    {
        ThrowIfStopped(me);
        Noise?.Point();
    }

    /// <summary>
    /// Stops a thread that vanished in a fork, or whose run ended, at its next Runtime point (in a stress run the cells
    /// stop it too, <see cref="StressNoise.Point"/>; outside stress runs they have no hook, so a running thread goes on
    /// until its next park, unpark, join or yield).
    /// </summary>
    private void ThrowIfStopped(SimThread? me)
    {
        if (me is { IsGone: true })
        {
            throw new ThreadGoneException(me);
        }

        if (Runtime.HasEnded)
        {
            throw new RunEndedException();
        }
    }

    private void Run(SimThread thread)
    {
        SimThread.Current = thread;
        var state = thread.Production!;
        state.Waiting = null;
        try
        {
            ThrowIfStopped(thread);
            thread.Body();
        }
        catch (ThreadExitException)
        {
            // PyThread_exit_thread: a normal exit.
        }
        catch (Exception ex) when (ex is ThreadGoneException or RunEndedException)
        {
            thread.MarkUnwound();
        }
        catch (Exception ex)
        {
            ReportThreadException(thread, ex);
        }
        finally
        {
            lock (state)
            {
                thread.MarkCompleted();
                Interlocked.Add(ref _running, state.BlockedJoiners);
                state.BlockedJoiners = 0;
                Monitor.PulseAll(state);
            }

            if (Interlocked.Decrement(ref _running) == 0)
            {
                ReportDeadlock();
            }

            SimThread.Current = null;
        }
    }
}
