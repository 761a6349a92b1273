using Sim.Model.Gc;
using Sim.Model.Interpreter;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Gc;

public class GcStateTests
{
    [Fact]
    public void Allocations_AreFlushedEvery512_AndCountedExactly_UnderExploration() =>
        Exploring.StaysClean(rt => Count(rt, perThread: 600, GcDesign.Cpython313), iterations: 300);

    [Fact]
    public void Allocations_AreCountedExactly_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => Count(rt, perThread: 5000, GcDesign.Cpython313), runs: 20);

    [Fact]
    public void ASharedPlainCount_LosesAllocations() =>
        Exploring.FindsBug(rt => Count(rt, perThread: 20, GcDesign.Cpython313 with { Counting = AllocationCounting.SharedPlainIncrement }), "lost");

    [Fact]
    public void Deallocations_AreCountedToo()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var main = interp.MainThreadState;
        for (var i = 0; i < 2 * GcState.LocalAllocCountThreshold; i++)
        {
            interp.Gc.RecordDeallocation(main);
        }

        Assert.Equal(-2 * GcState.LocalAllocCountThreshold, interp.Gc.Count.Peek() + main.GcAllocCount);
        Assert.Equal(-2 * GcState.LocalAllocCountThreshold, interp.Gc.Count.Peek());
    }

    [Fact]
    public void CrossingTheThreshold_SchedulesACollection_WhichRunsAtThePeriodicCheck()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var main = interp.MainThreadState;
        interp.Gc.Threshold = 1000;
        for (var i = 0; i < 2 * GcState.LocalAllocCountThreshold; i++)
        {
            interp.Gc.RecordAllocation(main);
        }

        Assert.True(main.EvalBreakerBitIsSet(EvalBreakerBits.GcScheduled));
        main.CheckPeriodic();
        Assert.Equal(1, interp.Gc.CollectionsForCheck);
        Assert.Equal(0, interp.Gc.Count.Peek());
        Assert.False(main.EvalBreakerBitIsSet(EvalBreakerBits.GcScheduled));
    }

    [Fact]
    public void Collections_NeverOverlap_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt =>
        {
            var interp = MemoryKit.Interp(rt);
            interp.Gc.Threshold = 100;
            var workers = Enumerable.Range(0, 3).Select(i => MemoryKit.Start(rt, interp, $"t{i}", t =>
            {
                for (var n = 0; n < 20 * GcState.LocalAllocCountThreshold; n++)
                {
                    interp.Gc.RecordAllocation(t);
                    if (n % 64 == 0)
                    {
                        t.CheckPeriodic();
                    }
                }
            })).ToArray();
            MemoryKit.Join(interp, workers);
        }, runs: 10);

    /// <summary>Two threads record allocations; the interpreter's count plus their buffers must equal the total.</summary>
    private static void Count(SimRuntime rt, int perThread, GcDesign design)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Gc = design });
        interp.Gc.Threshold = int.MaxValue;
        var states = new PyThreadState?[2];
        var workers = Enumerable.Range(0, 2).Select(i => MemoryKit.Start(rt, interp, $"t{i}", t =>
        {
            states[i] = t;
            for (var n = 0; n < perThread; n++)
            {
                interp.Gc.RecordAllocation(t);
            }
        })).ToArray();
        MemoryKit.Join(interp, workers);
        var counted = interp.Gc.Count.Peek() + states.Sum(t => t!.GcAllocCount);
        rt.Check(counted == 2 * perThread, $"allocations lost: counted {counted} of {2 * perThread}");
    }
}
