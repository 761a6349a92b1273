using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Objects;

public class RefTotalTests
{
    private static ModelConfig RefDebug(RefTotalMerge merge = RefTotalMerge.UnderHeadLock) =>
        ModelConfig.Cpython313 with { Refcount = RefcountDesign.Cpython313 with { RefDebug = true, RefTotalMerge = merge } };

    [Fact]
    public void EveryReferenceOperation_IsCounted_InTheThreadsOwnTotal()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt, RefDebug());
        var main = interp.MainThreadState;
        var o = interp.Objects.New(MemoryKit.Type(), "o");
        interp.Refcount.IncRef(o);
        interp.Refcount.IncRef(o);
        interp.Refcount.DecRef(o);

        Assert.Equal(2, main.RefTotal.Peek());
        Assert.Equal(2, interp.RefTotal.GetRefTotal());
    }

    [Fact]
    public void WithoutRefDebug_NothingIsCounted()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        interp.Refcount.IncRef(interp.Objects.New(MemoryKit.Type(), "o"));
        Assert.Equal(0, interp.RefTotal.GetRefTotal());
    }

    [Fact]
    public void ExitingThreads_MergeTheirTotals_Exactly_UnderExploration() =>
        Exploring.StaysClean(rt => ExitAndSum(rt, RefTotalMerge.UnderHeadLock, refsPerThread: 2), iterations: 300);

    [Fact]
    public void ExitingThreads_MergeTheirTotals_Exactly_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => ExitAndSum(rt, RefTotalMerge.UnderHeadLock, refsPerThread: 200), runs: 20);

    [Fact]
    public void AMergeOutsideHeadLock_CountsTwiceOrLosesATotal() =>
        Exploring.FindsBug(rt => ExitAndSum(rt, RefTotalMerge.BeforeHeadLock, refsPerThread: 2), "total");

    /// <summary>Two threads take references and exit keeping them; the main thread sums meanwhile, then checks the end total.</summary>
    private static void ExitAndSum(SimRuntime rt, RefTotalMerge merge, int refsPerThread)
    {
        var interp = MemoryKit.Interp(rt, RefDebug(merge));
        var type = MemoryKit.Type();
        var expected = 2 * refsPerThread;
        var workers = Enumerable.Range(0, 2).Select(i => rt.StartThread($"t{i}", () =>
        {
            var t = interp.NewThreadState(rt.CurrentThread);
            t.Attach();
            var o = interp.Objects.New(type, $"o{i}");
            for (var n = 1; n < refsPerThread; n++)
            {
                interp.Refcount.IncRef(o);
            }

            t.Clear();
            t.DeleteCurrent();
        })).ToArray();
        var seen = interp.RefTotal.GetRefTotal();
        rt.Check(seen <= expected, $"a sum read total {seen} with only {expected} references ever taken");
        MemoryKit.Join(interp, workers);
        var final = interp.RefTotal.GetRefTotal();
        rt.Check(final == expected, $"the final total is {final}, expected {expected}");
    }
}
