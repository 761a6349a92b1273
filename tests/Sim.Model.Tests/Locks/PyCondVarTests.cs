using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Locks;

public class PyCondVarTests
{
    [Fact]
    public void Signal_IsNeverLost_UnderExploration() =>
        Exploring.StaysClean(rt => HandOff(rt, CondWait.AtomicUnlockAndWait, rounds: 2));

    [Fact]
    public void Signal_IsNeverLost_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => HandOff(rt, CondWait.AtomicUnlockAndWait, rounds: 500), runs: 20);

    [Fact]
    public void AWaitThatUnlocksBeforeItWaits_LosesASignal() =>
        Exploring.FindsBug(rt => HandOff(rt, CondWait.UnlockThenWait, rounds: 2), "Deadlock");

    [Fact]
    public void TimedWait_TimesOut_WhenNobodySignals() =>
        Exploring.StaysClean(rt =>
        {
            var m = new PyMutex(rt, "m");
            var cond = new PyCondVar(rt, "cond");
            m.LockDontDetach();
            var timedOut = cond.TimedWait(m, 5_000_000);
            rt.Check(timedOut && m.IsLockedForCheck, "a timed wait nobody signalled returned without timing out, or without the mutex");
            m.Unlock();
        }, iterations: 50);

    /// <summary>A producer passes <paramref name="rounds"/> tokens to a consumer, one at a time, under a mutex and a condition variable each way.</summary>
    private static void HandOff(SimRuntime rt, CondWait design, int rounds)
    {
        var m = new PyMutex(rt, "m");
        var full = new PyCondVar(rt, "full", design);
        var empty = new PyCondVar(rt, "empty", design);
        var slot = new PlainCell<int>(rt, "slot");
        var consumer = rt.StartThread("consumer", () =>
        {
            for (var i = 1; i <= rounds; i++)
            {
                m.LockDontDetach();
                while (slot.Read() == 0)
                {
                    full.Wait(m);
                }

                rt.Check(slot.Read() == i, $"expected token {i}, got {slot.Peek()}");
                slot.Write(0);
                empty.Signal();
                m.Unlock();
            }
        });
        for (var i = 1; i <= rounds; i++)
        {
            m.LockDontDetach();
            while (slot.Read() != 0)
            {
                empty.Wait(m);
            }

            slot.Write(i);
            full.Signal();
            m.Unlock();
        }

        consumer.Join();
    }
}
