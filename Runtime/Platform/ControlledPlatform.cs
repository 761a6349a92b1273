using System.Diagnostics.CodeAnalysis;
using Microsoft.Coyote.Random;
using Microsoft.Coyote.Runtime;
using Microsoft.Coyote.Specifications;
using Sim.Runtime.Cells;
using Sim.Runtime.Parking;
using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Platform;

/// <summary>
/// Controlled mode: each simulated thread is a Coyote operation (<see cref="Operation"/>), each shared access and
/// blocking call is preceded by a scheduling point (<see cref="SchedulingPoint.Interleave"/>), each block is a
/// <see cref="Operation.PauseUntil"/> on a predicate, choices are Coyote's controlled choices, and time is virtual.
/// Only one simulated thread runs at a time, so the code between two scheduling points is atomic.
/// </summary>
internal sealed class ControlledPlatform : ExecutionPlatform
{
    private readonly List<StepRecord> _steps = [];
    private readonly long _nanosPerStep;
    private readonly int _yieldFairness;
    private Generator? _random;
    private StepRecord? _pending;
    private int _atomicDepth;
    private long _schedulingPoints;
    private long _clockOffset;

    public ControlledPlatform(SimRuntime runtime, long nanosPerStep, int yieldFairness)
        : base(runtime)
    {
        _nanosPerStep = nanosPerStep;
        _yieldFairness = yieldFairness;
    }

    /// <summary>The readable steps of this iteration so far.</summary>
    public IReadOnlyList<StepRecord> Steps => _steps;

    /// <summary>Scheduling points taken in this iteration.</summary>
    public long SchedulingPoints => _schedulingPoints;

    // ---- shared accesses (called by the cells) ----

    public void Access(SharedCell cell, AccessKind kind, MemoryOrder order) => Access<object?>(cell, kind, order, null, null, false);

    public void Access<TA>(SharedCell cell, AccessKind kind, MemoryOrder order, TA a) => Access<TA>(cell, kind, order, a, default!, true);

    public void Access<TA>(SharedCell cell, AccessKind kind, MemoryOrder order, TA a, TA b) => Access<TA>(cell, kind, order, a, b, true);

    public void Completed<TV>(TV value)
    {
        var p = _pending;
        if (p is not null && ReferenceEquals(p.Thread, SimThread.Current))
        {
            p.Result = value;
            p.HasResult = true;
            _pending = null;
        }
    }

    public void CompletedCas<TV>(bool success, TV seen)
    {
        var p = _pending;
        if (p is not null && ReferenceEquals(p.Thread, SimThread.Current))
        {
            p.Success = success;
            p.Result = seen;
            p.HasResult = true;
            _pending = null;
        }
    }

    // ---- the seam ----

    public override void StartThread(SimThread thread)
    {
        var id = Operation.CreateNext()
            ?? throw new InvalidOperationException("controlled mode needs a Coyote testing iteration; use Explorer to run a program");
        thread.OperationId = id;
        var os = new Thread(() => Run(thread, id)) { IsBackground = true, Name = $"sim {thread}" };
        thread.OsThread = os;
        Record(AccessKind.Spawn, thread.ToString());
        Operation.Start(id);
        os.Start();
    }

    public override void WaitForExit(SimThread me, SimThread target)
    {
        Step(AccessKind.Join, target.ToString());
        Block(new BlockInfo(me, $"waits for {target} to exit (join)", () => target.HasExited, BlockInfo.Never, earlyTimeout: false));
    }

    public override bool WaitForWake(SimThread me, ParkWaiter waiter, long timeoutNanos, string addressName)
    {
        var deadline = timeoutNanos < 0 ? BlockInfo.Never : SaturatingAdd(NowNanos(), timeoutNanos);
        var early = timeoutNanos == 0 || (timeoutNanos > 0 && ChooseBool($"timeout on {addressName} may fire early"));
        var what = timeoutNanos < 0 ? $"parked on {addressName}" : $"parked on {addressName} with a timeout";
        Block(new BlockInfo(me, what, () => waiter.Woken, deadline, early));
        if (waiter.Woken)
        {
            return true;
        }

        if (deadline != BlockInfo.Never && NowNanos() < deadline)
        {
            _clockOffset += deadline - NowNanos();
        }

        return false;
    }

    public override void Wake(ParkWaiter waiter) => waiter.Woken = true;

    public override void Step(AccessKind kind, string target, object? a = null, object? b = null)
    {
        var me = Enter();
        if (me is not null && _atomicDepth == 0)
        {
            Interleave(me);
        }

        Record(kind, target, a, b);
    }

    public override void Note(AccessKind kind, string target, object? result = null)
    {
        var r = Record(kind, target);
        if (r is not null && result is not null)
        {
            r.Result = result;
            r.HasResult = true;
            _pending = null;
        }
    }

    public override AtomicSectionScope AtomicSection()
    {
        _atomicDepth++;
        return new AtomicSectionScope(this);
    }

    internal override void EndAtomicSection() => _atomicDepth--;

    /// <summary>
    /// A spin loop's <c>_Py_yield</c>. Usually a plain scheduling point: the strategy may keep the other threads from
    /// running, as an OS may keep a preempted lock holder off the CPU while a waiter spins. But every
    /// <c>yieldFairness</c>-th yield of a thread is fair: the thread steps aside until every other thread that could run
    /// has taken a step (or blocked, or exited); threads that are themselves in a fair yield are not waited for, and
    /// if no other thread can run the yielder goes on at once. Unfair strategies (PCT, delay bounding) therefore cannot
    /// starve the thread a spinner waits for, and a spin loop is reported as a livelock only when it really is one.
    /// </summary>
    public override void Yield(string why)
    {
        var me = Enter();
        Record(AccessKind.Yield, why);
        if (me is null)
        {
            return;
        }

        if (++me.YieldStreak < _yieldFairness)
        {
            Interleave(me);
            return;
        }

        me.YieldStreak = 0;
        _clockOffset += _nanosPerStep; // spinning takes time too
        var others = Runtime.Threads
            .Where(t => !ReferenceEquals(t, me) && t.IsLive
                && (t.Blocked is null || (!t.Blocked.IsYield && t.Blocked.CanRunNow)))
            .Select(t => (Thread: t, Mark: t.StepsTaken))
            .ToList();
        bool OthersHadTheirTurn() => others.TrueForAll(o =>
            o.Thread.StepsTaken > o.Mark || o.Thread.HasExited || o.Thread.IsGone
            || (o.Thread.Blocked is { } b && (b.IsYield || !b.CanRunNow)));
        Block(new BlockInfo(me, $"yields ({why})", OthersHadTheirTurn, BlockInfo.Never, earlyTimeout: false) { IsYield = true });
    }

    public override long NowNanos() => (_schedulingPoints * _nanosPerStep) + _clockOffset;

    public override bool ChooseBool(string label)
    {
        Enter();
        var v = (_random ??= Generator.Create()).NextBoolean();
        Note(AccessKind.Choose, label, v);
        return v;
    }

    public override int ChooseInt(string label, int count)
    {
        Enter();
        var v = (_random ??= Generator.Create()).NextInteger(count);
        Note(AccessKind.Choose, label, v);
        return v;
    }

    [DoesNotReturn]
    public override void Fail(string message)
    {
        Report(RecordedFailure.Check(message));
        throw new RunEndedException();
    }

    public override void ReportThreadException(SimThread thread, Exception exception) => Report(RecordedFailure.ThreadThrew(thread, exception));

    // ---- internals ----

    /// <summary>Records the failure, as a step and as the run's failure, and ends the iteration as a bug (a Coyote assertion).</summary>
    private void Report(RecordedFailure failure)
    {
        Record(AccessKind.Failure, failure.Message);
        Runtime.RecordFailure(failure);
        Specification.Assert(false, "{0}", failure.Message);
    }

    private void Access<TA>(SharedCell cell, AccessKind kind, MemoryOrder order, TA a, TA b, bool hasArgs)
    {
        var me = Enter();
        if (me is null)
        {
            return;
        }

        if (_atomicDepth == 0)
        {
            Interleave(me);
        }

        _pending = Record(kind, cell.Name, hasArgs ? (object?)a : null, hasArgs && kind == AccessKind.CompareExchange ? (object?)b : null, order);
    }

    /// <summary>Checks that the caller is a simulated thread of this iteration that may go on; null if it is not ours.</summary>
    private SimThread? Enter()
    {
        var me = SimThread.Current;
        if (me is null || !ReferenceEquals(me.Runtime, Runtime))
        {
            Runtime.ReportUncontrolled(
                $"a Runtime operation ran on OS thread '{Thread.CurrentThread.Name ?? Environment.CurrentManagedThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture)}', " +
                "which the Runtime did not start: start threads with SimRuntime.StartThread, never Task.Run, the thread pool or new Thread");
            return null;
        }

        ThrowIfStopped(me);
        return me;
    }

    private void Interleave(SimThread me)
    {
        _schedulingPoints++;
        SchedulingPoint.Interleave();
        ThrowIfStopped(me);
    }

    private void ThrowIfStopped(SimThread me)
    {
        if (Runtime.HasEnded)
        {
            throw new RunEndedException();
        }

        if (me.IsGone)
        {
            throw new ThreadGoneException(me);
        }
    }

    private void Block(BlockInfo info)
    {
        var me = info.Thread;
        if (info.EarlyTimeout)
        {
            // Give the others one chance to wake us before the timeout fires.
            Interleave(me);
        }

        // Blocked stays set if the pause unwinds (a deadlock ends the iteration inside it), so the report can say
        // what the thread was waiting for.
        me.Blocked = info;
        Operation.PauseUntil(() => Runtime.HasEnded || me.IsGone || info.CanRunNow || TimerFires(info)
            || (info.IsYield && !AnyOtherCanRun(me)));
        me.Blocked = null;
        ThrowIfStopped(me);
    }

    /// <summary>
    /// Virtual time: a timed wait's deadline passes only when no thread can run without it, and then only for the
    /// earliest deadline (ties go to the lower thread id).
    /// </summary>
    private bool TimerFires(BlockInfo info)
    {
        if (info.Deadline == BlockInfo.Never)
        {
            return false;
        }

        foreach (var t in Runtime.Threads)
        {
            if (ReferenceEquals(t, info.Thread) || !t.IsLive)
            {
                continue;
            }

            var b = t.Blocked;
            if (b is null || b.CanRunNow)
            {
                return false;
            }

            if (b.Deadline < info.Deadline || (b.Deadline == info.Deadline && t.Id < info.Thread.Id))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True if a thread other than <paramref name="me"/> can run now, or will when its timer fires.</summary>
    private bool AnyOtherCanRun(SimThread me)
    {
        foreach (var t in Runtime.Threads)
        {
            if (ReferenceEquals(t, me) || !t.IsLive)
            {
                continue;
            }

            if (t.Blocked is not { } b || b.CanRunNow || TimerFires(b))
            {
                return true;
            }
        }

        return false;
    }

    private StepRecord? Record(AccessKind kind, string target, object? a = null, object? b = null, MemoryOrder order = MemoryOrder.SeqCst)
    {
        var me = SimThread.Current;
        if (me is null || !ReferenceEquals(me.Runtime, Runtime))
        {
            return null;
        }

        var r = new StepRecord
        {
            Index = _steps.Count + 1,
            Thread = me,
            Operation = me.CurrentOperation,
            Kind = kind,
            Target = target,
            Order = order,
            A = a,
            B = b,
        };
        _steps.Add(r);
        me.LastStep = r;
        me.StepsTaken++;
        return r;
    }

    private void Run(SimThread thread, ulong id)
    {
        try
        {
            Operation.OnStarted(id);
            SimThread.Current = thread;
            if (Runtime.HasEnded)
            {
                return;
            }

            thread.Body();
        }
        catch (Exception ex) when (IsUnwinding(ex))
        {
            thread.MarkUnwound();
        }
        catch (Exception ex)
        {
            try
            {
                ReportThreadException(thread, ex);
            }
            catch (Exception inner) when (IsUnwinding(inner))
            {
            }
        }
        finally
        {
            thread.MarkCompleted();
            try
            {
                Operation.OnCompleted();
                Operation.ScheduleNext();
            }
            catch (Exception ex) when (IsUnwinding(ex))
            {
            }

            SimThread.Current = null;
        }
    }

    private static bool IsUnwinding(Exception ex) =>
        ex is ThreadInterruptedException or RunEndedException or ThreadGoneException
        || ex.GetBaseException() is ThreadInterruptedException;

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue - 1 : a + b;
}
