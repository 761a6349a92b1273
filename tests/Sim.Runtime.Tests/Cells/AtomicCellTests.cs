using Sim.Runtime.Cells;
using Sim.Runtime.Trace;
using Sim.Testing;

namespace Sim.Runtime.Tests.Cells;

public class AtomicCellTests
{
    [Fact]
    public void CompareExchange_OnFailure_ReturnsFalseAndReportsCurrentValue()
    {
        var rt = SimRuntime.CreateProduction();
        var cell = new AtomicInt(rt, "c", 5);
        var expected = 3;

        Assert.False(cell.CompareExchange(ref expected, 9));
        Assert.Equal(5, expected);
        Assert.True(cell.CompareExchange(ref expected, 9));
        Assert.Equal(9, cell.Peek());
    }

    [Fact]
    public void ReadModifyWrite_ReturnsPreviousValue_AsPyatomicDoes()
    {
        var rt = SimRuntime.CreateProduction();
        var cell = new AtomicLong(rt, "c", 0b0101);

        Assert.Equal(0b0101, cell.FetchAdd(2));
        Assert.Equal(0b0111, cell.FetchOr(0b1000));
        Assert.Equal(0b1111, cell.FetchAnd(0b0011));
        Assert.Equal(0b0011, cell.Exchange(-4));
        Assert.Equal(-4, cell.Load(MemoryOrder.Acquire));
    }

    [Fact]
    public void AtomicRef_ComparesByReference()
    {
        var rt = SimRuntime.CreateProduction();
        var a = new object();
        var cell = new AtomicRef<object>(rt, "p", a);
        object? expected = new();

        Assert.False(cell.CompareExchange(ref expected, null));
        Assert.Same(a, expected);
        Assert.True(cell.CompareExchange(ref expected, null));
        Assert.Null(cell.Peek());
    }

    [Fact]
    public void PlainCell_ReadThenWrite_LosesUpdates_UnderExploration_WithRaceDetectionOff() =>
        Exploring.FindsBug(UnsynchronisedIncrements, "lost update: counter is 1", Exploring.Options with { DetectRaces = false }, replays: 20);

    [Fact]
    public void PlainCell_ReadThenWrite_IsADataRace_UnderExploration() =>
        Exploring.FindsBug(UnsynchronisedIncrements, "data race on counter", replays: 20);

    [Fact]
    public void FetchAdd_NeverLosesUpdates_UnderExploration() =>
        Exploring.StaysClean(rt =>
        {
            var counter = new AtomicInt(rt, "counter");
            var threads = Enumerable.Range(0, 3).Select(i => rt.StartThread($"inc{i}", () =>
            {
                counter.FetchAdd(1);
                counter.FetchAdd(1);
            })).ToList();
            threads.ForEach(t => t.Join());
            rt.Check(counter.Peek() == 6, $"lost update: counter is {counter.Peek()}");
        });

    [Fact]
    public void FetchAdd_NeverLosesUpdates_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt =>
        {
            var counter = new AtomicInt(rt, "counter");
            var threads = Enumerable.Range(0, 4).Select(i => rt.StartThread($"inc{i}", () =>
            {
                for (var k = 0; k < 10_000; k++)
                {
                    counter.FetchAdd(1, MemoryOrder.Relaxed);
                }
            })).ToList();
            threads.ForEach(t => t.Join());
            rt.Check(counter.Peek() == 40_000, $"lost update: counter is {counter.Peek()}");
        }, runs: 20);

    [Fact]
    public void Accesses_AreRecordedInTheTrace_WithOrderAndResult()
    {
        var result = Exploring.FindsBug(rt =>
        {
            var cell = new AtomicInt(rt, "flag");
            var expected = 0;
            cell.CompareExchange(ref expected, 1, MemoryOrder.AcquireRelease);
            cell.Store(2, MemoryOrder.Release);
            rt.Fail($"done with {cell.Load(MemoryOrder.Relaxed)}");
        }, "done with 2");

        Assert.Equal(
            [
                (AccessKind.CompareExchange, "cas_acq_rel flag: 0 -> 1"),
                (AccessKind.Store, "store_release flag: 1 -> 2"),
                (AccessKind.Load, "load_relaxed flag == 2"),
                (AccessKind.Failure, "FAILED: done with 2"),
            ],
            result.Steps.Select(s => (s.Kind, s.Action)));
        Assert.All(result.Steps, s => Assert.Equal(1, s.ThreadId));
    }

    private static void UnsynchronisedIncrements(SimRuntime rt)
    {
        var counter = new PlainCell<int>(rt, "counter");
        var threads = Enumerable.Range(0, 2).Select(i => rt.StartThread($"inc{i}", () => counter.Write(counter.Read() + 1))).ToList();
        threads.ForEach(t => t.Join());
        rt.Check(counter.Peek() == 2, $"lost update: counter is {counter.Peek()}");
    }
}
