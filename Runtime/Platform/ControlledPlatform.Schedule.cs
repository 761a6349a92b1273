using System.Diagnostics.CodeAnalysis;
using Microsoft.Coyote.Runtime;
using Microsoft.Coyote.Specifications;
using Sim.Runtime.Exploration;
using Sim.Runtime.Scheduling;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Platform;

/// <summary>
/// Scheduling decisions. At every one (a scheduling point, a thread that blocks, a thread that exits) the running thread
/// works out which threads could run next, exactly as Coyote will see them: a thread at a scheduling point, a thread
/// started but not yet run, a blocked thread whose wait is over. With no policy, Coyote's strategy picks one and the
/// thread that goes on records the step (<see cref="Schedule"/>). In a gated run the policy picks, and every other thread
/// waits at its gate (a <see cref="Operation.PauseUntil"/> on its turn), so Coyote has a single operation it can run.
/// With none runnable, the run has deadlocked, and the report is taken here, before any thread unwinds.
/// </summary>
internal sealed partial class ControlledPlatform
{
    private readonly List<ScheduleEntry> _schedule = [];
    private readonly SchedulePolicy? _policy;
    private int _decisions;
    private int _turn;
    private bool _hasPending;
    private ThreadSet _pendingRunnable;
    private int _pendingFrom;

    /// <summary>The schedule of this iteration so far: each step's thread, the threads that could have run, and each choice.</summary>
    public IReadOnlyList<ScheduleEntry> Schedule => _schedule;

    /// <summary>
    /// A decision by <paramref name="me"/>, the running thread: which thread runs next. <paramref name="canContinue"/> says
    /// whether <paramref name="me"/> itself could (it is at a scheduling point, not blocking or exiting). Returns the
    /// thread the policy chose (0 without a policy: Coyote will choose).
    /// </summary>
    private int Decide(SimThread me, bool canContinue)
    {
        if (!_settings.RecordSchedule && _policy is null)
        {
            return 0;
        }

        var runnable = Runnable(me, canContinue);
        if (runnable.IsEmpty)
        {
            // Coyote reports the deadlock as soon as this thread pauses; the threads are still as they were.
            Runtime.RecordFailure(Findings.Deadlock(ThreadSnapshot.Take(Runtime)));
            return 0;
        }

        var next = 0;
        if (_policy is { } policy)
        {
            try
            {
                next = policy.NextThread(new Decision(_decisions, me.Id, runnable), Runtime.ThreadList);
            }
            catch (ScheduleDivergedException ex)
            {
                Diverge(me, ex.Message);
            }

            if (next == SchedulePolicy.EndAsLivelock)
            {
                ReportLivelock(me);
            }

            if (!runnable.Contains(next))
            {
                Diverge(me, $"the schedule chose T{next}, which cannot run at step {_decisions + 1} (runnable: {runnable})");
            }

            _turn = next;
        }

        _decisions++;
        _hasPending = true;
        _pendingRunnable = runnable;
        _pendingFrom = me.Id;
        return next;
    }

    /// <summary>
    /// <paramref name="me"/> goes on after a decision: it is the step's thread. If the schedule step is a preemption, the
    /// thread's next readable step is marked as one (a thread's start or wake-up has no readable step of its own, so the
    /// mark waits for the next one; two preemptions before it make one mark).
    /// </summary>
    private void Resumed(SimThread me)
    {
        _plainRun = 0;
        if (_hasPending)
        {
            _hasPending = false;
            var step = ScheduleEntry.Step(me.Id, _pendingFrom, _pendingRunnable, me.PendingOp);
            _schedule.Add(step);
            me.Preempting |= step.IsPreemption;
        }
    }

    /// <summary>In a gated run: waits until the policy gives <paramref name="me"/> the turn (and, if it is blocked, its wait is over).</summary>
    private void WaitForTurn(SimThread me, BlockInfo? blocked) =>
        PauseUntil(me, blocked is null
            ? () => _turn == me.Id || Runtime.HasEnded
            : () => (_turn == me.Id && CanResume(me, blocked)) || Runtime.HasEnded);

    /// <summary>
    /// Pauses <paramref name="me"/> in Coyote until <paramref name="condition"/> holds, and unwinds it if the run ended
    /// meanwhile (<see cref="ThrowIfEnded"/>); an exception that ends the run freezes the thread where it is.
    /// </summary>
    private void PauseUntil(SimThread me, Func<bool> condition)
    {
        try
        {
            Operation.PauseUntil(condition);
            ThrowIfEnded();
        }
        catch (Exception ex) when (me.Freeze(ex))
        {
            throw;
        }
    }

    /// <summary>The threads that could run now, as Coyote will see them when <paramref name="me"/> hands over.</summary>
    private ThreadSet Runnable(SimThread me, bool canContinue)
    {
        var set = ThreadSet.Empty;
        var threads = Runtime.ThreadList;
        for (var i = 0; i < threads.Count; i++)
        {
            var t = threads[i];
            var runs = ReferenceEquals(t, me)
                ? canContinue
                : t.IsStarted && !t.HasExited && (t.Blocked is not { } b || CanResume(t, b));
            if (runs)
            {
                set = set.With(t.Id);
            }
        }

        return set;
    }

    /// <summary>True if a thread blocked on <paramref name="info"/> may go on: what Coyote's pause of it waits for.</summary>
    private bool CanResume(SimThread t, BlockInfo info) =>
        Runtime.HasEnded || t.IsGone || info.CanRunNow || TimerFires(info) || (info.IsYield && !AnyOtherCanRun(t));

    /// <summary>Ends the run as a livelock (the step bound of a gated run, or a replayed livelock's recorded end).</summary>
    [DoesNotReturn]
    private void ReportLivelock(SimThread me)
    {
        var message = Findings.Livelock(_schedulingPoints, _settings.MaxSteps, ThreadSnapshot.Take(Runtime));
        Runtime.RecordFailure(new RecordedFailure(FindingKind.Livelock, message));
        End(me, message);
    }

    /// <summary>Ends the run because the program asked for something the replayed schedule does not hold.</summary>
    [DoesNotReturn]
    private void Diverge(SimThread me, string why)
    {
        Runtime.ReportDivergence(why);
        End(me, why);
    }

    /// <summary>Ends the iteration from the running thread (a Coyote assertion; the harness reads the Runtime's record of why).</summary>
    [DoesNotReturn]
    private static void End(SimThread me, string message)
    {
        me.Freeze(new RunEndedException());
        me.Runtime.MarkEnded();
        Specification.Assert(false, "{0}", message);
        throw new RunEndedException();
    }
}
