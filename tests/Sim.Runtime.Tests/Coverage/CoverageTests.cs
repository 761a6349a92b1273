using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Testing;

namespace Sim.Runtime.Tests.Coverage;

/// <summary>Coverage: distinct scheduling points, and conflicting access pairs (same field, two threads, a write) seen in both orders.</summary>
public class CoverageTests
{
    [Fact]
    public void TwoWritersOfOneField_GiveOneConflictingPair_SeenInBothOrdersOverManySchedules()
    {
        var result = Exploring.StaysClean(TwoWriters, iterations: 100);

        // Points: the store (whichever thread takes it) and the two joins.
        Assert.Equal(3, result.Coverage.SchedulingPoints);
        Assert.Equal(1, result.Coverage.ConflictPairs);
        Assert.Equal(1, result.Coverage.ConflictPairsBothOrders);
    }

    [Fact]
    public void OneSchedule_SeesEachPairInOneOrderOnly()
    {
        var result = Exploring.StaysClean(TwoWriters, iterations: 1);

        Assert.Equal(1, result.Coverage.ConflictPairs);
        Assert.Equal(0, result.Coverage.ConflictPairsBothOrders);
    }

    [Fact]
    public void Readers_DoNotConflict()
    {
        var result = Exploring.StaysClean(rt =>
        {
            var x = new AtomicInt(rt, "x");
            var ts = Enumerable.Range(0, 2).Select(i => rt.StartThread($"r{i}", () => x.Load())).ToList();
            ts.ForEach(t => t.Join());
        }, iterations: 50);

        Assert.Equal(0, result.Coverage.ConflictPairs);
        Assert.True(result.Coverage.SchedulingPoints >= 1);
    }

    [Fact]
    public void Coverage_IsTheSameForTheSameSeed()
    {
        var first = Explorer.Explore(TwoWriters, Exploring.Options with { Iterations = 30 });
        var second = Explorer.Explore(TwoWriters, Exploring.Options with { Iterations = 30 });

        Assert.Equal(first.Coverage, second.Coverage);
    }

    private static void TwoWriters(SimRuntime rt)
    {
        var x = new AtomicInt(rt, "x");
        var a = rt.StartThread("a", () => x.Store(1));
        var b = rt.StartThread("b", () => x.Store(2));
        a.Join();
        b.Join();
    }
}
