using Sim.Model.Locks;
using Sim.Runtime.Exploration;
using Sim.Testing;

namespace Sim.Model.Tests.Locks;

/// <summary>
/// A deadlock is explained in the Model's terms: each blocked thread, what it waits for (a mutex, an event, a join), who
/// holds that, round the cycle to the start; or, without a cycle, the wait nobody is due to end.
/// </summary>
public class DeadlockExplanationTests
{
    [Fact]
    public void ALockOrderInversion_IsExplainedAsAWaitForCycleOfMutexesAndHolders()
    {
        var result = Exploring.FindsBug(rt =>
        {
            var x = new PyMutex(rt, "x");
            var y = new PyMutex(rt, "y");
            var a = rt.StartThread("a", () => LockBoth(x, y));
            var b = rt.StartThread("b", () => LockBoth(y, x));
            a.Join();
            b.Join();
        }, "Wait-for cycle");

        Assert.Equal(FindingKind.Deadlock, result.Kind);
        Assert.True(result.Message!.Contains("Wait-for cycle: T2(a) in _PyMutex_LockTimed(y) waits for mutex y, held by T3(b); T3(b) in _PyMutex_LockTimed(x) waits for mutex x, held by T2(a).", StringComparison.Ordinal), result.Message);
        Assert.Equal([1, 2, 3], result.WaitsFor.Select(w => w.ThreadId));
        Assert.Equal("T2(a) to exit (join)", result.WaitsFor[0].WaitsFor);
        Assert.Equal(2, result.WaitsFor[0].HolderId);
    }

    [Fact]
    public void AWaiterOnAnEventNobodySets_IsExplainedAsAWaitNoThreadIsDueToEnd()
    {
        var result = Exploring.FindsBug(rt =>
        {
            var never = new PyEvent(rt, "never");
            rt.StartThread("waiter", never.Wait).Join();
        }, "Deadlock");

        Assert.True(result.Message!.Contains("T2(waiter) in PyEvent_WaitTimed(never) waits for event never, which no thread holds", StringComparison.Ordinal), result.Message);
    }

    [Fact]
    public void AnEventItsSetterWillNeverSet_NamesTheSetter()
    {
        var result = Exploring.FindsBug(rt =>
        {
            var done = new PyEvent(rt, "done");
            var gate = new PyEvent(rt, "gate");
            var setter = rt.StartThread("setter", () =>
            {
                gate.Wait();
                done.Notify();
            });
            done.SetBy = setter;
            gate.SetBy = rt.CurrentThread;
            done.Wait();
            gate.Notify();
            setter.Join();
        }, "Deadlock");

        Assert.True(result.Message!.Contains("Wait-for cycle: T1(main) in PyEvent_WaitTimed(done) waits for event done, held by T2(setter); T2(setter) in PyEvent_WaitTimed(gate) waits for event gate, held by T1(main).", StringComparison.Ordinal), result.Message);
    }

    private static void LockBoth(PyMutex first, PyMutex second)
    {
        first.Lock();
        second.Lock();
        second.Unlock();
        first.Unlock();
    }
}
