using FsCheck.Xunit;
using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Locks;

public class PyMutexTests
{
    [Fact]
    public void Lock_KeepsMutualExclusion_UnderExploration() =>
        Exploring.StaysClean(rt => CountUnderMutex(rt, LockDesign.Cpython313, threads: 3, rounds: 2));

    [Fact]
    public void Lock_KeepsMutualExclusion_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => CountUnderMutex(rt, LockDesign.Cpython313, threads: 4, rounds: 2_000), runs: 20);

    [Fact]
    public void UnlockThatIgnoresParkedWaiters_LosesAWakeup() =>
        Exploring.FindsBug(
            rt => CountUnderMutex(rt, LockDesign.Cpython313 with { MutexUnlock = MutexUnlockProtocol.IgnoreParkedWaiters }, threads: 3, rounds: 2),
            "parked on m._bits");

    [Fact]
    public void Unlock_OfAnUnlockedMutex_IsFatal() =>
        Exploring.FindsBug(rt => new PyMutex(rt, "m").Unlock(), "unlocking mutex m that is not locked");

    [Fact]
    public void LockTimed_WithZeroTimeout_FailsAtOnceWhenHeld()
    {
        var rt = SimRuntime.CreateProduction();
        var m = new PyMutex(rt, "m");
        m.Lock();

        Assert.Equal(PyLockStatus.Failure, m.LockTimed(0, PyLockFlags.Detach));
        m.Unlock();
        Assert.Equal(PyLockStatus.Acquired, m.LockTimed(0, PyLockFlags.Detach));
    }

    [Fact]
    public void LockTimed_GivesUp_WhenTheHolderNeverUnlocks() =>
        Exploring.StaysClean(rt =>
        {
            var m = new PyMutex(rt, "m");
            m.Lock();
            var waiter = rt.StartThread("waiter", () =>
                rt.Check(m.LockTimed(2_000_000, PyLockFlags.Detach) == PyLockStatus.Failure, "acquired a mutex that was never unlocked"));
            waiter.Join();
        }, iterations: 300);

    [Fact]
    public void Unlock_HandsTheLockOff_ToAWaiterThatWaitedLongerThanTimeToBeFair()
    {
        // The hand-off path is reachable: right after the holder's unlock returns, the byte is still LOCKED although
        // no thread is inside the critical section, because the waiter was made the owner (mutex_unpark).
        var result = Exploring.FindsBug(rt =>
        {
            var m = new PyMutex(rt, "m");
            var inside = new AtomicInt(rt, "inside");
            m.Lock();
            var waiter = rt.StartThread("waiter", () =>
            {
                m.Lock();
                inside.Store(1);
                inside.Store(0);
                m.Unlock();
            });
            for (var i = 0; i < 30; i++)
            {
                rt.Yield("holding the lock for a while");
            }

            m.Unlock();
            if (m.IsLockedForCheck && inside.Peek() == 0)
            {
                rt.Fail("handed off");
            }

            waiter.Join();
        }, "handed off", Exploring.Options with { Strategy = Sim.Runtime.Exploration.Strategy.Prioritization });

        Assert.Contains(result.Steps, s => s.Operation == "PyMutex_Unlock(m)" && s.Action.StartsWith("store m._bits ← 1", StringComparison.Ordinal));
    }

    [Property(MaxTest = 8)]
    public bool KeepsMutualExclusion_AndEveryWaiterGetsTheLock_ForAnyThreadAndRoundCount(byte threadSeed, byte roundSeed)
    {
        var threads = 1 + (threadSeed % 4);
        var rounds = 1 + (roundSeed % 3);
        var result = Sim.Runtime.Exploration.Explorer.Explore(
            rt => CountUnderMutex(rt, LockDesign.Cpython313, threads, rounds),
            Exploring.Options with { Iterations = 60 });
        return result.Outcome == Sim.Runtime.Exploration.Outcome.Clean;
    }

    /// <summary>Threads increment a plain counter under the mutex; mutual exclusion and the final count are checked.</summary>
    internal static void CountUnderMutex(SimRuntime rt, LockDesign design, int threads, int rounds)
    {
        var m = new PyMutex(rt, "m", design);
        var counter = new PlainCell<int>(rt, "counter");
        var inside = new AtomicInt(rt, "inside");
        var workers = Enumerable.Range(0, threads).Select(i => rt.StartThread($"w{i}", () =>
        {
            for (var r = 0; r < rounds; r++)
            {
                m.Lock();
                rt.Check(inside.FetchAdd(1) == 0, "two threads inside m");
                counter.Write(counter.Read() + 1);
                inside.FetchAdd(-1);
                m.Unlock();
            }
        })).ToList();
        workers.ForEach(w => w.Join());
        rt.Check(counter.Peek() == threads * rounds, $"counter is {counter.Peek()}, expected {threads * rounds}");
    }
}
