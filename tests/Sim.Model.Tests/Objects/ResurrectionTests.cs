using Sim.Model.CriticalSections;
using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Tests.Mimalloc;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Objects;

public class ResurrectionTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FinalizerThatStoresSelf_Resurrects_AndOnlyTheFixKeepsTheHeader(bool restoresOnlyRefcount)
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Resurrection = new(restoresOnlyRefcount) });
        PyObjectPtr? saved = null;
        var finalized = 0;
        var type = new PyTypeObject("Phoenix", 48, isGc: true, finalize: self =>
        {
            finalized++;
            interp.Refcount.IncRef(self);
            saved ??= self;
        });
        var o = interp.Objects.New(type, "o");
        var main = interp.MainThreadState;
        using (CriticalSection.Begin(main, o))
        {
            interp.Refcount.DecRef(o); // the last reference, dropped while the object's critical section is held
            Assert.False(o.IsStale);
            Assert.Equal(restoresOnlyRefcount, o.Block.ObMutex.IsLockedForCheck);
            Assert.Equal(restoresOnlyRefcount, (o.Block.ObGcBits.Peek() & PyGcBits.Finalized) != 0);
            if (!restoresOnlyRefcount)
            {
                o.Block.ObMutex.Lock(); // the section's mutex was zeroed under it: relock, so that its end balances
            }
        }

        interp.Refcount.DecRef(saved!); // the finalizer runs (and resurrects) again only if FINALIZED was lost
        Assert.Equal(restoresOnlyRefcount, o.IsStale);
        Assert.Equal(restoresOnlyRefcount ? 1 : 2, finalized);
    }

    [Fact]
    public void ResurrectionPublishedToAnotherThread_StaysClean_UnderExploration() =>
        Exploring.StaysClean(rt => PublishOnResurrection(rt, ResurrectionDesign.Cpython313), iterations: 500);

    [Fact]
    public void ResurrectionPublishedToAnotherThread_StaysClean_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => PublishOnResurrection(rt, ResurrectionDesign.Cpython313), runs: 50);

    [Fact]
    public void ReinitializingTheHeader_LosesTheReadersLockOrReference() =>
        Exploring.FindsBug(rt => PublishOnResurrection(rt, ResurrectionDesign.ReinitializeHeader), "memory error");

    /// <summary>
    /// The main thread drops the last reference to o, whose finalizer publishes it in a shared slot; a reader takes it
    /// from there (a strong reference) and drops it. Every reference is accounted for at the end.
    /// </summary>
    private static void PublishOnResurrection(SimRuntime rt, ResurrectionDesign design)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Resurrection = design });
        var lists = new PyListObject(interp);
        var slot = lists.New("slot");
        var once = false;
        var type = new PyTypeObject("Phoenix", 48, isGc: true, finalize: self =>
        {
            if (!once)
            {
                once = true;
                interp.Refcount.IncRef(self);
                lists.Append(slot, self);
            }
        });
        var o = interp.Objects.New(type, "o");
        var reader = PythonThread.Start(rt, interp, "reader", t =>
        {
            for (var k = 0; k < 3; k++)
            {
                if (lists.GetItemRef(slot, 0) is { } item)
                {
                    interp.Refcount.DecRef(item);
                    return;
                }

                t.CheckPeriodic();
            }
        });
        interp.Refcount.DecRef(o);
        PythonThread.JoinAll(interp, reader);
        interp.Refcount.DecRef(slot);
        interp.CheckNoLeaks();
    }
}
