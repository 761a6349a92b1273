using Sim.Model.Gc;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Gc;

public class IncrementalGcTests
{
    [Fact]
    public void YoungObjectsGetVisitedSpace_SoTheyFitTheVisitedList_AcrossCycles() =>
        Exploring.StaysClean(rt => Cycles(rt, YoungSpaceBit.VisitedSpace), iterations: 10);

    [Fact]
    public void YoungObjectsGetVisitedSpace_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => Cycles(rt, YoungSpaceBit.VisitedSpace), runs: 5);

    [Fact]
    public void YoungObjectsWithBitZero_AreMisfiled_OnceACycleHasFlippedVisitedSpace() =>
        Exploring.FindsBug(rt => Cycles(rt, YoungSpaceBit.Zero), "in old[1] with old-space bit 0");

    [Fact]
    public void BitZero_IsRightWhileVisitedSpaceIsZero()
    {
        var gc = new IncrementalGc(SimRuntime.CreateProduction(), YoungSpaceBit.Zero);
        gc.Track("a");
        gc.CollectIncrement(scan: 0); // the first cycle completes at once: nothing to scan
        Assert.Equal(1, gc.VisitedSpace);
    }

    /// <summary>Objects created during three cycles, each object surviving into the old generation.</summary>
    private static void Cycles(SimRuntime rt, YoungSpaceBit rule)
    {
        var gc = new IncrementalGc(rt, rule);
        for (var n = 0; n < 6; n++)
        {
            gc.Track($"o{n}"); // created during the cycle, collected (scanned) by the next increment
            gc.CollectIncrement(scan: 1);
        }

        rt.Check(gc.CompletedCycles >= 2, "the collector completed fewer than two cycles");
    }
}
