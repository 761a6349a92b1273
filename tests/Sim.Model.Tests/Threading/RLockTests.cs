using Sim.Model.Tests.Mimalloc;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Threading;

public class RLockTests
{
    [Fact]
    public void RLock_IsRecursive_AndOnlyItsOwnerMayReleaseIt()
    {
        var rt = SimRuntime.CreateProduction();
        _ = MemoryKit.Interp(rt);
        var r = new RLock(rt, "r");

        Assert.False(r.IsOwned());
        Assert.Throws<ThreadError>(r.Release);
        Assert.True(r.Acquire());
        Assert.True(r.Acquire());
        Assert.Equal(2, r.CountForCheck);
        Assert.True(r.IsOwned());
        r.Release();
        Assert.True(r.IsOwned());
        r.Release();
        Assert.False(r.IsOwned());
        Assert.Equal(0, r.OwnerForCheck);
        Assert.Throws<ThreadError>(r.Release);
    }

    [Fact]
    public void RLock_KeepsMutualExclusion_UnderExploration() =>
        Exploring.StaysClean(rt => Contend(rt, RLockOwnerAccess.RelaxedAtomics, rounds: 2), iterations: 500);

    [Fact]
    public void RLock_KeepsMutualExclusion_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => Contend(rt, RLockOwnerAccess.RelaxedAtomics, rounds: 2000), runs: 10);

    [Fact]
    public void APlainOwnerField_IsADataRace() =>
        Exploring.FindsBug(rt => Contend(rt, RLockOwnerAccess.PlainField, rounds: 1), "data race on r.rlock_owner");

    [Fact]
    public void ATimedAcquire_OfAHeldRLock_TimesOut() =>
        Exploring.StaysClean(rt =>
        {
            var r = new RLock(rt, "r");
            r.Acquire();
            var other = rt.StartThread("other", () =>
            {
                rt.Check(!r.Acquire(blocking: true, timeoutNanos: 1_000_000), "acquired an RLock that another thread holds");
                rt.Check(!r.Acquire(blocking: false), "a non-blocking acquire of a held RLock succeeded");
            });
            other.Join();
            r.Release();
        }, iterations: 100);

    /// <summary>Two threads take the lock twice each, round after round, with a ghost count of holders.</summary>
    private static void Contend(SimRuntime rt, RLockOwnerAccess access, int rounds)
    {
        var r = new RLock(rt, "r", access);
        var inside = new AtomicInt(rt, "inside");
        var workers = Enumerable.Range(0, 2).Select(i => rt.StartThread($"t{i}", () =>
        {
            for (var n = 0; n < rounds; n++)
            {
                rt.Check(!r.IsOwned(), "a thread owns an RLock it never acquired");
                r.Acquire();
                r.Acquire();
                rt.Check(inside.FetchAdd(1) == 0, "two threads hold the RLock");
                inside.FetchAdd(-1);
                r.Release();
                r.Release();
            }
        })).ToArray();
        foreach (var w in workers)
        {
            w.Join();
        }
    }
}
