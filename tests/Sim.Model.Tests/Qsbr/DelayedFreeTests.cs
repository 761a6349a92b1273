using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Qsbr;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Qsbr;

public class DelayedFreeTests
{
    private static readonly ModelConfig s_eager = ModelConfig.Cpython313 with { Qsbr = QsbrDesign.EagerReclaim };

    [Fact]
    public void FreeDelayed_QueuesTheMemory_WithAGoalFromTheDeferredAdvance()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var buffer = interp.Mem.Malloc(24, "buffer");

        interp.DelayedFree.FreeDelayed(buffer);

        var item = Assert.Single(interp.DelayedFree.PendingForCheck(interp.ThreadStatesForCheck));
        Assert.Same(buffer, item.Ptr);
        Assert.Equal(3, item.QsbrGoal);
        Assert.False(buffer.Allocation.IsFreed);
        interp.CheckNoLeaks(); // waiting memory is not a leak
    }

    [Fact]
    public void ProcessDelayed_FreesInOrder_UpToTheFirstGoalNotReached()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt, s_eager with { Qsbr = QsbrDesign.EagerReclaim with { ProcessDelayedAtPeriodicCheck = false } });
        var main = interp.MainThreadState;
        var a = interp.Mem.Malloc(24, "a");
        var b = interp.Mem.Malloc(24, "b");

        interp.DelayedFree.FreeDelayed(a); // goal 3
        main.CheckPeriodic(); // main passes 3
        interp.DelayedFree.FreeDelayed(b); // goal 5
        interp.DelayedFree.ProcessDelayed(main);

        Assert.True(a.Allocation.IsFreed);
        Assert.False(b.Allocation.IsFreed);
        main.CheckPeriodic();
        interp.DelayedFree.ProcessDelayed(main);
        Assert.True(b.Allocation.IsFreed);
    }

    [Fact]
    public void AFullChunk_IsProcessedAtOnce()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction(), ModelConfig.Cpython313 with { Qsbr = QsbrDesign.Cpython313 with { WorkItemsPerChunk = 2, DeferredLimit = 1 } });
        var a = interp.Mem.Malloc(24, "a");
        interp.DelayedFree.FreeDelayed(a);
        interp.MainThreadState.CheckPeriodic();

        interp.DelayedFree.FreeDelayed(interp.Mem.Malloc(24, "b")); // fills the chunk: processed, a's goal is reached

        Assert.True(a.Allocation.IsFreed);
    }

    [Fact]
    public void ExitingThread_HandsItsQueueToTheInterpreter_WhichAnotherThreadProcesses()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt, s_eager);
        MemPtr? buffer = null;
        MemoryKit.Start(rt, interp, "t", _ =>
        {
            buffer = interp.Mem.Malloc(24, "buffer");
            interp.DelayedFree.FreeDelayed(buffer);
        }).Join();

        Assert.Equal(1, interp.DelayedFree.InterpQueue.HasWork.Peek());
        Assert.Single(interp.DelayedFree.InterpQueue.PendingForCheck);
        interp.MainThreadState.CheckPeriodic(); // passes the goal, processes its queue and the interpreter's

        Assert.True(buffer!.Allocation.IsFreed);
        Assert.Equal(0, interp.DelayedFree.InterpQueue.HasWork.Peek());
    }

    [Fact]
    public void DelayedFree_NeverFreesMemoryAReaderStillHolds_UnderExploration() =>
        Exploring.StaysClean(rt => ReaderAndFreer(rt, s_eager));

    [Fact]
    public void DelayedFree_NeverFreesMemoryAReaderStillHolds_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => ReaderAndFreer(rt, s_eager), runs: 200);

    [Fact]
    public void FreeingAtOnce_FreesUnderTheReader() =>
        Exploring.FindsBug(rt => ReaderAndFreer(rt, s_eager with { Qsbr = QsbrDesign.EagerReclaim with { DelayedFree = DelayedFreeProtocol.Immediately } }), "reuse under a reader");

    /// <summary>
    /// A reader loads a pointer to a buffer from a shared cell and reads it, without a lock and without a reference; the
    /// freer swaps in a new buffer and frees the old one with <c>_PyMem_FreeDelayed</c>, processing its queue at its
    /// periodic checks.
    /// </summary>
    private static void ReaderAndFreer(SimRuntime rt, ModelConfig config)
    {
        var interp = MemoryKit.Interp(rt, config);
        var cell = new AtomicRef<MemPtr>(rt, "shared", interp.Mem.Calloc(3, 8, "old"));
        var reader = MemoryKit.Start(rt, interp, "reader", ts =>
        {
            for (var k = 0; k < 2; k++)
            {
                var p = cell.Load(MemoryOrder.Acquire)!;
                using (interp.Mimalloc.Checker.Hold(p, "a lock-free read"))
                {
                    interp.Mem.Body(p).LoadInt(0);
                    interp.Mem.Body(p).LoadPtr(1);
                }

                ts.CheckPeriodic();
            }
        });
        var freer = MemoryKit.Start(rt, interp, "freer", ts =>
        {
            var old = cell.Exchange(interp.Mem.Calloc(3, 8, "new"))!;
            interp.DelayedFree.FreeDelayed(old);
            ts.CheckPeriodic();
            ts.CheckPeriodic();
        });

        MemoryKit.Join(interp, reader, freer);
        interp.Mem.Free(cell.Peek()!);
        interp.CheckNoLeaks();
    }
}
