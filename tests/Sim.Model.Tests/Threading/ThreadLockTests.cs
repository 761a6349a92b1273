using Sim.Model.Locks;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Threading;

public class ThreadLockTests
{
    private static void MutualExclusion(SimRuntime rt)
    {
        var lockObject = new ThreadLock(rt, "lock");
        var counter = new PlainCell<int>(rt, "counter");
        var threads = Enumerable.Range(0, 2).Select(i => rt.StartThread($"t{i}", () =>
        {
            rt.Check(lockObject.Acquire(), "a blocking acquire failed");
            counter.Write(counter.Read() + 1);
            lockObject.Release();
        })).ToList();
        threads.ForEach(t => t.Join());
        rt.Check(counter.Peek() == 2, $"lost update: counter is {counter.Peek()}");
    }

    private static void TimedAcquireTimesOut(SimRuntime rt)
    {
        var lockObject = new ThreadLock(rt, "lock");
        var held = new PyEvent(rt, "held");
        var go = new PyEvent(rt, "go");
        var holder = rt.StartThread("holder", () =>
        {
            lockObject.Acquire();
            held.Notify();
            go.Wait();
            lockObject.Release();
        });
        held.Wait();
        rt.Check(!lockObject.Acquire(blocking: true, timeoutNanos: 1_000_000), "a 1 ms acquire of a held lock succeeded");
        rt.Check(!lockObject.Acquire(blocking: false), "a non-blocking acquire of a held lock succeeded");
        rt.Check(lockObject.Locked(), "locked() is False while the holder holds it");
        go.Notify();
        holder.Join();
        rt.Check(!lockObject.Locked(), "locked() is True after release");
    }

    [Fact]
    public void Lock_KeepsMutualExclusion_UnderExploration() => Exploring.StaysClean(MutualExclusion, iterations: 200);

    [Fact]
    public void Lock_KeepsMutualExclusion_OnRealThreads() => Exploring.RunsCleanOnRealThreads(MutualExclusion, runs: 50);

    [Fact]
    public void TimedAndNonBlockingAcquire_OfAHeldLock_Fail_UnderExploration() =>
        Exploring.StaysClean(TimedAcquireTimesOut, iterations: 200);

    [Fact]
    public void TimedAndNonBlockingAcquire_OfAHeldLock_Fail_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(TimedAcquireTimesOut, runs: 20);

    [Fact]
    public void Release_OfAnUnlockedLock_RaisesThreadError()
    {
        var rt = SimRuntime.CreateProduction();
        var lockObject = new ThreadLock(rt, "lock");
        var e = Assert.Throws<ThreadError>(lockObject.Release);
        Assert.Equal("release unlocked lock", e.Message);
    }

    [Fact]
    public void AnyThreadMayRelease_TheLockIsNotOwned()
    {
        var rt = SimRuntime.CreateProduction();
        var lockObject = new ThreadLock(rt, "lock");
        Assert.True(lockObject.Acquire());
        var other = rt.StartThread("other", lockObject.Release);
        other.Join();
        Assert.False(lockObject.Locked());
    }
}
