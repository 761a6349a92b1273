using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Sim.Runtime.Parking;
using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Platform;

/// <summary>
/// Production mode: real OS threads, real blocking (a monitor per parked thread stands for its semaphore), the real
/// monotonic clock, and invariant violations as exceptions. Scheduling points and trace steps cost nothing.
/// </summary>
internal sealed class ProductionPlatform : ExecutionPlatform
{
    private static readonly double s_nanosPerTick = 1e9 / Stopwatch.Frequency;

    public ProductionPlatform(SimRuntime runtime)
        : base(runtime)
    {
    }

    public override void StartThread(SimThread thread)
    {
        var os = new Thread(() => Run(thread)) { IsBackground = true, Name = $"sim {thread}" };
        thread.OsThread = os;
        os.Start();
    }

    public override void WaitForExit(SimThread me, SimThread target)
    {
        ThrowIfStopped(me);
        target.OsThread?.Join();
    }

    public override bool WaitForWake(SimThread me, ParkWaiter waiter, long timeoutNanos, string addressName)
    {
        lock (waiter)
        {
            // A thread that vanished in a fork, or whose run ended, must not block: both are marked before the parked
            // threads are woken, so a thread that parks later sees the mark here.
            ThrowIfStopped(me);
            if (timeoutNanos < 0)
            {
                while (!waiter.Woken)
                {
                    Monitor.Wait(waiter);
                }

                return true;
            }

            var deadline = Stopwatch.GetTimestamp() + (long)(timeoutNanos / s_nanosPerTick);
            while (!waiter.Woken)
            {
                var remaining = deadline - Stopwatch.GetTimestamp();
                if (remaining <= 0)
                {
                    return false;
                }

                Monitor.Wait(waiter, TimeSpan.FromTicks(Math.Max(1, (long)(remaining * s_nanosPerTick / 100))));
            }

            return true;
        }
    }

    public override void Wake(ParkWaiter waiter)
    {
        lock (waiter)
        {
            waiter.Woken = true;
            Monitor.Pulse(waiter);
        }
    }

    public override void Step(AccessKind kind, string target, object? a = null, object? b = null) => ThrowIfStopped(SimThread.Current);

    public override void Note(AccessKind kind, string target, object? result = null)
    {
    }

    public override AtomicSectionScope AtomicSection() => default;

    public override void Yield(string why)
    {
        ThrowIfStopped(SimThread.Current);
        Thread.Yield();
    }

    public override long NowNanos() => (long)(Stopwatch.GetTimestamp() * s_nanosPerTick);

    public override bool ChooseBool(string label) => Random.Shared.Next(2) == 1;

    public override int ChooseInt(string label, int count) => Random.Shared.Next(count);

    [DoesNotReturn]
    public override void Fail(string message)
    {
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

    /// <summary>
    /// Stops a thread that vanished in a fork, or whose run ended, at its next park, unpark, join or yield (production
    /// accesses to cells have no hook, so a running thread goes on until then).
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
            thread.MarkCompleted();
            SimThread.Current = null;
        }
    }
}
