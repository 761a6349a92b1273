using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Locks;

public class PySeqLockTests
{
    [Fact]
    public void ReadersThatCheckEndRead_NeverKeepATornPair_UnderExploration() =>
        Exploring.StaysClean(rt => WriteAndRead(rt, writes: 2, checkEndRead: true));

    [Fact]
    public void ReadersThatCheckEndRead_NeverKeepATornPair_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => WriteAndRead(rt, writes: 2_000, checkEndRead: true), runs: 20);

    [Fact]
    public void AReaderThatSkipsEndRead_KeepsATornPair() =>
        Exploring.FindsBug(rt => WriteAndRead(rt, writes: 2, checkEndRead: false), "torn");

    [Fact]
    public void AfterFork_ResetsASequenceLeftOdd()
    {
        var rt = SimRuntime.CreateProduction();
        var seqlock = new PySeqLock(rt, "s");
        seqlock.LockWrite();

        Assert.True(seqlock.AfterFork());
        Assert.Equal(0, seqlock.BeginRead());
        Assert.False(seqlock.AfterFork());
    }

    private static void WriteAndRead(SimRuntime rt, int writes, bool checkEndRead)
    {
        var seqlock = new PySeqLock(rt, "s");
        var x = new AtomicInt(rt, "x");
        var y = new AtomicInt(rt, "y");
        var writer = rt.StartThread("writer", () =>
        {
            for (var i = 1; i <= writes; i++)
            {
                seqlock.LockWrite();
                x.Store(i, MemoryOrder.Relaxed);
                y.Store(i, MemoryOrder.Relaxed);
                seqlock.UnlockWrite();
            }
        });
        var reader = rt.StartThread("reader", () =>
        {
            for (var k = 0; k < 2; k++)
            {
                int a, b, seq;
                do
                {
                    seq = seqlock.BeginRead();
                    a = x.Load(MemoryOrder.Relaxed);
                    b = y.Load(MemoryOrder.Relaxed);
                }
                while (checkEndRead && !seqlock.EndRead(seq));
                rt.Check(a == b, $"torn read: x={a} y={b}");
            }
        });
        writer.Join();
        reader.Join();
    }
}
