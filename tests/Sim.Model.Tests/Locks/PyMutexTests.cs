using FsCheck;
using FsCheck.Fluent;
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
    public void Unlock_EitherReleasesTheLock_OrHandsItOffToAWaiterThatWaitedLongerThanTimeToBeFair()
    {
        // Right after the holder's unlock returns, either the byte is unlocked, or it is still LOCKED although no thread
        // is inside the critical section: the waiter, parked for more than TIME_TO_BE_FAIR_NS, was made the owner
        // (mutex_unpark). Exploration sees both.
        var seen = Outcomes.Observed<string>((rt, observe) =>
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
            observe(!m.IsLockedForCheck ? "released" : inside.Peek() == 0 ? "handed off" : "taken by the waiter");
            waiter.Join();
        }, options: Exploring.Options with { Strategy = Sim.Runtime.Exploration.Strategy.Prioritization });

        Assert.Contains("released", seen);
        Assert.Contains("handed off", seen);
    }

    [Property(MaxTest = 8, Arbitrary = [typeof(Workloads)])]
    public bool KeepsMutualExclusion_AndEveryWaiterGetsTheLock_ForAnyThreadAndRoundCount(MutexWorkload load)
    {
        var result = Sim.Runtime.Exploration.Explorer.Explore(
            rt => CountUnderMutex(rt, LockDesign.Cpython313, load.Threads, load.Rounds),
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

    /// <summary>1 to 4 threads, each taking the mutex 1 to 3 times.</summary>
    public sealed record MutexWorkload(int Threads, int Rounds);

    /// <summary>The generators of the workloads.</summary>
    public static class Workloads
    {
        public static Arbitrary<MutexWorkload> Any() =>
            Arb.From(from threads in Gen.Choose(1, 4) from rounds in Gen.Choose(1, 3) select new MutexWorkload(threads, rounds));
    }
}
