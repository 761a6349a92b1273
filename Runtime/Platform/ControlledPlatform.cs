using Microsoft.Coyote.Random;
using Microsoft.Coyote.Runtime;
using Sim.Runtime.Coverage;
using Sim.Runtime.Races;
using Sim.Runtime.Scheduling;
using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Platform;

/// <summary>
/// Controlled mode: each simulated thread is a Coyote operation (<see cref="Operation"/>), each synchronising access
/// (atomics, the parking lot, start, join, yield) and blocking call is preceded by a scheduling point
/// (<see cref="SchedulingPoint.Interleave"/>), and plain accesses too when the race detector cannot vouch for leaving
/// them out (<see cref="TakesPlainPoint"/>); each block is a
/// <see cref="Operation.PauseUntil"/> on a predicate, choices are Coyote's controlled choices, and time is virtual.
/// Only one simulated thread runs at a time, so the code between two scheduling points is atomic.
/// </summary>
/// <remarks>
/// One concern per file: this one holds the iteration's state and the scheduling point every other part goes through
/// (<see cref="Interleave"/>); <c>.Schedule</c> the scheduling decisions (the schedule record, gating to a policy's
/// choice, deadlocks), <c>.Accesses</c> the cells' shared accesses, <c>.Trace</c> the recorded steps, <c>.Threads</c>
/// thread start and exit, <c>.Blocking</c> waits and the virtual clock's timeouts, <c>.Yield</c> spin-loop fairness,
/// <c>.Outcomes</c> choices and failures. The race detector (<see cref="Races"/>) and the coverage count
/// (<see cref="Coverage"/>) are fed from the access, step and thread paths.
/// </remarks>
internal sealed partial class ControlledPlatform : ExecutionPlatform
{
    /// <summary>With plain accesses not scheduling points, every this many plain accesses in a row by one thread take one anyway.</summary>
    internal const int MaxPlainRun = 100;

    private readonly List<StepRecord> _steps = [];
    private readonly ControlledSettings _settings;
    private readonly long _nanosPerStep;
    private readonly int _yieldFairness;
    private readonly bool _plainPoints;
    private Generator? _random;
    private StepRecord? _pending;
    private DataRace? _race;
    private int _atomicDepth;
    private int _plainRun;
    private long _schedulingPoints;
    private long _clockOffset;

    public ControlledPlatform(SimRuntime runtime, ControlledSettings settings)
        : base(runtime)
    {
        _settings = settings;
        _nanosPerStep = settings.NanosPerStep;
        _yieldFairness = settings.YieldFairness;
        _policy = settings.Policy;
        Races = settings.DetectRaces ? new HappensBefore() : null;
        _plainPoints = settings.PlainAccessPoints || Races is null;
        Coverage = settings.Coverage;
    }

    /// <summary>The readable steps of this iteration so far.</summary>
    public IReadOnlyList<StepRecord> Steps => _steps;

    /// <summary>Scheduling points taken in this iteration.</summary>
    public long SchedulingPoints => _schedulingPoints;

    /// <summary>The iteration's happens-before race detector, or null when race detection is off.</summary>
    public HappensBefore? Races { get; }

    /// <summary>The exploration's coverage count, or null when nobody counts (a replay).</summary>
    public CoverageRecorder? Coverage { get; }

    /// <summary>Virtual time: a fixed amount per scheduling point, plus the jumps of timed waits that timed out.</summary>
    public override long NowNanos() => (_schedulingPoints * _nanosPerStep) + _clockOffset;

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

    /// <summary>
    /// A scheduling point: another thread may run here before <paramref name="me"/> does <paramref name="op"/>. Every shared
    /// access, park, unpark, join and yield takes one. Coyote's strategy decides, or in a gated run the policy.
    /// </summary>
    private void Interleave(SimThread me, ScheduleOp op)
    {
        _schedulingPoints++;
        me.PendingOp = op;
        if (_policy is { } policy)
        {
            if (policy.StepBound is { } bound && _schedulingPoints > bound)
            {
                ReportLivelock(me);
            }

            if (Decide(me, canContinue: true) != me.Id)
            {
                WaitForTurn(me, null);
            }
        }
        else
        {
            Decide(me, canContinue: true);
            try
            {
                SchedulingPoint.Interleave();
                ThrowIfEnded();
            }
            catch (Exception ex) when (me.Freeze(ex))
            {
                throw;
            }
        }

        Resumed(me);
        ThrowIfStopped(me);
    }

    /// <summary>
    /// Unwinds the calling thread if its run has ended. Called right after each Coyote pause: once the iteration has ended,
    /// Coyote returns from a pause without throwing when the Runtime wakes the thread (<see cref="HostedRun.Stop"/>), and the
    /// thread must stop there, before it records a step.
    /// </summary>
    private void ThrowIfEnded()
    {
        if (Runtime.HasEnded)
        {
            throw new RunEndedException();
        }
    }

    private void ThrowIfStopped(SimThread me)
    {
        if (Runtime.HasEnded || me.IsFrozen)
        {
            throw new RunEndedException();
        }

        if (me.IsGone)
        {
            throw new ThreadGoneException(me);
        }
    }
}
