using Microsoft.Coyote.Runtime;
using Sim.Runtime.Parking;
using Sim.Runtime.Scheduling;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Platform;

/// <summary>
/// Blocking: a wait is a <see cref="Operation.PauseUntil"/> on what the thread waits for (<see cref="BlockInfo"/>); a timed
/// wait times out on the virtual clock, when no thread can run without it or earlier as a controlled choice.
/// </summary>
internal sealed partial class ControlledPlatform
{
    public override bool WaitForWake(SimThread me, ParkWaiter waiter, long timeoutNanos, string addressName)
    {
        var deadline = timeoutNanos < 0 ? BlockInfo.Never : SaturatingAdd(NowNanos(), timeoutNanos);
        var early = timeoutNanos == 0 || (timeoutNanos > 0 && ChooseBool($"timeout on {addressName} may fire early"));
        var what = timeoutNanos < 0 ? $"parked on {addressName}" : $"parked on {addressName} with a timeout";
        Block(new BlockInfo(me, what, () => waiter.Woken, deadline, early) { Address = waiter.Address });
        if (waiter.Woken)
        {
            me.WokenBy = waiter.WokenBy;
            return true;
        }

        if (deadline != BlockInfo.Never && NowNanos() < deadline)
        {
            _clockOffset += deadline - NowNanos();
        }

        return false;
    }

    public override void Wake(ParkWaiter waiter)
    {
        waiter.WokenBy = SimThread.Current?.LastStep?.Index;
        waiter.Woken = true;
    }

    private void Block(BlockInfo info)
    {
        var me = info.Thread;
        if (info.EarlyTimeout)
        {
            // Give the others one chance to wake us before the timeout fires.
            Interleave(me, ScheduleOp.Wait(info.Description));
        }

        // Blocked stays set if the pause unwinds (a deadlock ends the iteration inside it), so the report can say
        // what the thread was waiting for.
        if (!info.CanRunNow && me.LastStep is { } last)
        {
            last.Blocks = true;
        }

        me.Blocked = info;
        if (!CanResume(me, info))
        {
            me.PendingOp = ScheduleOp.Wake(info.Description);
            Decide(me, canContinue: false);
            if (_policy is not null)
            {
                WaitForTurn(me, info);
            }
            else
            {
                PauseUntil(me, () => CanResume(me, info));
            }

            Resumed(me);
        }

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

        foreach (var t in Runtime.ThreadList)
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
        foreach (var t in Runtime.ThreadList)
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

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue - 1 : a + b;
}
