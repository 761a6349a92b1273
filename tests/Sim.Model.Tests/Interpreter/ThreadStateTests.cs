using Sim.Model.Interpreter;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Interpreter;

/// <summary>
/// Thread states (<see cref="PyThreadState"/>): suspend and attach around a stop, several states on one thread, and
/// removing and deleting the states of other threads.
/// </summary>
public class ThreadStateTests
{
    [Fact]
    public void Suspend_WithNoStopRequested_JustDetaches()
    {
        var rt = SimRuntime.CreateProduction();
        var main = MemoryKit.Interp(rt).MainThreadState;
        main.Suspend();
        Assert.Equal(ThreadStateStatus.Detached, main.State.Peek());
        main.Attach();
        Assert.Equal(ThreadStateStatus.Attached, main.State.Peek());
    }

    [Fact]
    public void ASuspendedThread_AttachesOnlyAfterTheWorldRestarts()
    {
        var seen = Outcomes.Observed<string>((rt, observe) =>
        {
            var interp = MemoryKit.Interp(rt);
            var restarted = new AtomicInt(rt, "restarted");
            var w = MemoryKit.Start(rt, interp, "W", t =>
            {
                t.CheckPeriodic(); // suspends here if asked to stop
                observe(restarted.Peek() == 1 ? "ran after the restart" : "ran before the stop completed");
            });
            interp.StopTheWorld();
            restarted.Reinitialize(1); // no scheduling point: the worker cannot see it before the restart below
            interp.StartTheWorld();
            MemoryKit.Join(interp, w);
        }, iterations: 300);

        Assert.Contains("ran after the restart", seen);
    }

    [Fact]
    public void Swap_MovesAThreadBetweenItsStatesInTwoInterpreters()
    {
        var rt = SimRuntime.CreateProduction();
        var main = MemoryKit.Interp(rt);
        var sub = new PyInterpreterState(main.RuntimeState);

        Assert.Equal(ThreadStateStatus.Detached, main.MainThreadState.State.Peek());
        Assert.Equal(ThreadStateStatus.Attached, sub.MainThreadState.State.Peek());
        Assert.Same(sub.MainThreadState, sub.CurrentThreadState);
        Assert.Same(main.MainThreadState, main.CurrentThreadState);
        Assert.Equal([main, sub], main.RuntimeState.InterpretersForCheck);

        var previous = PyThreadState.Swap(rt, main.MainThreadState);
        Assert.Same(sub.MainThreadState, previous);
        Assert.Equal(ThreadStateStatus.Attached, main.MainThreadState.State.Peek());
        Assert.Equal(ThreadStateStatus.Detached, sub.MainThreadState.State.Peek());
    }

    [Fact]
    public void RemoveExcept_UnlinksTheOthers_AndDeleteList_ClearsAndFreesThem() =>
        Exploring.StaysClean(rt =>
        {
            var interp = MemoryKit.Interp(rt);
            var blocked = new AtomicInt(rt, "blocked");
            var parked = rt.StartThread("parked", () =>
            {
                var t = interp.NewThreadState(rt.CurrentThread);
                t.Attach();
                blocked.Store(1);
                rt.ParkingLot.Park(blocked, 1); // detaches for good
            }, daemon: true);
            while (blocked.Load() == 0 || interp.ThreadStatesForCheck[1].State.Peek() != ThreadStateStatus.Detached)
            {
                rt.Yield("the other thread to park");
            }

            interp.RuntimeState.StopTheWorldAll();
            var removed = interp.RemoveExcept(interp.MainThreadState);
            interp.RuntimeState.StartTheWorldAll();
            interp.DeleteList(removed);
            rt.Check(interp.ThreadStatesForCheck.SequenceEqual([interp.MainThreadState]), "RemoveExcept left another state linked");
            rt.Check(removed.Count == 1 && removed[0].IsFreed && removed[0].Thread == parked, "DeleteList did not free the removed state");
        }, iterations: 200);

    [Fact]
    public void AnAttachThroughAFreedState_IsReported() =>
        Exploring.FindsBug(rt =>
        {
            var interp = MemoryKit.Interp(rt);
            var go = new AtomicInt(rt, "go");
            rt.StartThread("late", () =>
            {
                var t = interp.NewThreadState(rt.CurrentThread);
                while (go.Load() == 0)
                {
                    rt.Yield("for its state to be deleted");
                }

                t.Attach();
            });
            while (interp.ThreadStatesForCheck.Count < 2)
            {
                rt.Yield("the other thread's state");
            }

            interp.RuntimeState.StopTheWorldAll();
            var removed = interp.RemoveExcept(interp.MainThreadState);
            interp.RuntimeState.StartTheWorldAll();
            interp.DeleteList(removed);
            go.Store(1);
        }, "on a freed thread state");
}
