using Sim.Runtime.Scheduling;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Platform;

/// <summary>Spin loops: a yield is a scheduling point, and every so often a fair one, so that no strategy starves the thread a spinner waits for.</summary>
internal sealed partial class ControlledPlatform
{
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
            Interleave(me, ScheduleOp.Step(AccessKind.Yield, why));
            return;
        }

        me.YieldStreak = 0;
        _clockOffset += _nanosPerStep; // spinning takes time too
        var others = Runtime.ThreadList
            .Where(t => !ReferenceEquals(t, me) && t.IsLive
                && (t.Blocked is null || (!t.Blocked.IsYield && t.Blocked.CanRunNow)))
            .Select(t => (Thread: t, Mark: t.StepsTaken))
            .ToList();
        bool OthersHadTheirTurn() => others.TrueForAll(o =>
            o.Thread.StepsTaken > o.Mark || o.Thread.HasExited || o.Thread.IsGone
            || (o.Thread.Blocked is { } b && (b.IsYield || !b.CanRunNow)));
        Block(new BlockInfo(me, $"yields ({why})", OthersHadTheirTurn, BlockInfo.Never, earlyTimeout: false) { IsYield = true });
    }
}
