using Sim.Model.Gc;
using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Gc;

public class CollectionTests
{
    [Fact]
    public void CycleWithNoOutsideReferences_IsFreed()
    {
        var (interp, gc, type) = Setup();
        var (a, b) = Cycle(interp, type);
        interp.Refcount.DecRef(a);
        interp.Refcount.DecRef(b);
        Assert.False(a.IsStale); // a cycle: reference counting alone does not free it

        Assert.True(interp.Gc.Collect(interp.MainThreadState));
        Assert.True(a.IsStale);
        Assert.True(b.IsStale);
        Assert.Equal(2, interp.Gc.CollectedForCheck);
        interp.CheckNoLeaks();
    }

    [Fact]
    public void CycleReferencedFromOutside_IsKept_WithItsOwnerRestored()
    {
        var (interp, gc, type) = Setup();
        var (a, b) = Cycle(interp, type);
        interp.Refcount.DecRef(b); // a keeps the main thread's reference

        interp.Gc.Collect(interp.MainThreadState);
        Assert.False(a.IsStale);
        Assert.False(b.IsStale);
        Assert.Equal(0, interp.Gc.CollectedForCheck);
        Assert.Equal(2, interp.Gc.LongLivedTotal);
        Assert.Equal(interp.MainThreadState.ThreadId, a.Block.ObTid.Peek()); // gc_restore_tid: the segment's thread id
        Assert.Equal(0, a.Block.ObGcBits.Peek() & PyGcBits.Unreachable);

        interp.Refcount.DecRef(a);
        interp.Gc.Collect(interp.MainThreadState);
        Assert.True(a.IsStale);
        interp.CheckNoLeaks();
    }

    [Fact]
    public void FinalizerThatStoresSelf_ResurrectsTheCycle_WhichIsFreedLater()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var gc = interp.Gc.Objects;
        var lists = new PyListObject(interp);
        var g = lists.New("G");
        var finalized = 0;
        var type = gc.NewType("Phoenix", 1, finalize: self =>
        {
            finalized++;
            interp.Refcount.IncRef(self);
            lists.Append(g, self);
        });
        var (a, b) = Cycle(interp, type);
        interp.Refcount.DecRef(a);
        interp.Refcount.DecRef(b);

        interp.Gc.Collect(interp.MainThreadState);
        Assert.Equal(2, finalized);
        Assert.False(a.IsStale);
        Assert.False(b.IsStale);
        Assert.Equal(0, a.Block.ObRefLocal.Peek()); // the scratch count is gone
        Assert.Equal(0, a.Block.ObTid.Peek()); // merged: no owner, no worklist link

        interp.Refcount.DecRef(g);
        interp.Gc.Collect(interp.MainThreadState);
        Assert.Equal(2, finalized); // FINALIZED: __del__ runs once
        Assert.True(a.IsStale);
        Assert.True(b.IsStale);
        interp.CheckNoLeaks();
    }

    [Fact]
    public void DeferredObject_OutlivesItsLastReference_UntilACollection()
    {
        var (interp, gc, type) = Setup();
        var d = gc.New(type, "d");
        gc.SetDeferredRefcount(d);
        interp.Refcount.DecRef(d); // the owner's last reference: the deferred count keeps it
        Assert.False(d.IsStale);

        interp.Gc.Collect(interp.MainThreadState);
        Assert.True(d.IsStale);
        interp.CheckNoLeaks();
    }

    [Fact]
    public void DeferredObject_ReachableFromOutside_IsKept()
    {
        var (interp, gc, type) = Setup();
        var d = gc.New(type, "d");
        gc.SetDeferredRefcount(d);
        interp.Gc.Collect(interp.MainThreadState);
        Assert.False(d.IsStale);
    }

    [Fact]
    public void ImmortalObject_IsUntracked_AndNeverCollected()
    {
        var (interp, gc, type) = Setup();
        var (a, b) = Cycle(interp, type);
        gc.SetImmortal(a);
        interp.Refcount.DecRef(b);
        interp.Gc.Collect(interp.MainThreadState);
        Assert.False(a.IsStale);
        Assert.False(b.IsStale); // referenced by the immortal a, which the collector leaves out
        Assert.Equal(0, a.Block.ObGcBits.Peek() & PyGcBits.Tracked);
    }

    [Fact]
    public void SharedInlineObject_IsFreedThroughQsbr()
    {
        var (interp, gc, type) = Setup();
        var (a, b) = Cycle(interp, type);
        a.Block.ObGcBits.Store(a.Block.ObGcBits.Peek() | PyGcBits.SharedInline);
        interp.Refcount.DecRef(a);
        interp.Refcount.DecRef(b);
        interp.Gc.Collect(interp.MainThreadState);
        Assert.True(b.IsStale);
        Assert.False(a.IsStale); // waits in the delayed-free queue for its QSBR goal
        interp.CheckNoLeaks();
    }

    [Fact]
    public void WeakrefsToTheGarbage_AreCleared_AndTheirCallbacksCalledOnce()
    {
        var (interp, gc, _) = Setup();
        var type = gc.NewType("Node", 1, weakrefs: true);
        var (a, b) = Cycle(interp, type);
        var callback = gc.New(gc.NewType("callback", 1), "cb");
        var calls = 0;
        interp.Weakrefs.CallbackHook = (wr, cb) =>
        {
            calls++;
            Assert.Null(wr.LoadObject()); // cleared before its callback runs
        };
        var plain = interp.Weakrefs.NewRef(a);
        var withCallback = interp.Weakrefs.NewRef(b, callback);
        interp.Refcount.DecRef(a);
        interp.Refcount.DecRef(b);

        interp.Gc.Collect(interp.MainThreadState);
        Assert.True(a.IsStale);
        Assert.True(b.IsStale);
        Assert.Null(plain.LoadObject());
        Assert.Null(withCallback.LoadObject());
        Assert.Equal(1, calls);
        interp.Refcount.DecRef(plain.Ptr);
        interp.Refcount.DecRef(withCallback.Ptr);
        interp.Refcount.DecRef(callback);

        interp.CheckNoLeaks();
    }

    [Fact]
    public void CollectionRacingAMutator_StaysClean_UnderExploration() =>
        Exploring.StaysClean(rt => Mutator(rt, GcDesign.Cpython313), iterations: 300);

    [Fact]
    public void CollectionRacingAMutator_StaysClean_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => Mutator(rt, GcDesign.Cpython313), runs: 50);

    [Fact]
    public void ACollectorThatDoesNotStopTheWorld_IsCaughtByTheMutator() =>
        Exploring.FindsBug(rt => Mutator(rt, GcDesign.Cpython313 with { World = CollectorWorld.RunningWorld }), "memory error");

    private static (PyInterpreterState Interp, GcObjects Gc, PyTypeObject Type) Setup()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        return (interp, interp.Gc.Objects, interp.Gc.Objects.NewType("Node", 1));
    }

    /// <summary>a.m0 = b; b.m0 = a; the caller keeps one reference to each.</summary>
    private static (PyObjectPtr A, PyObjectPtr B) Cycle(PyInterpreterState interp, PyTypeObject type)
    {
        var gc = interp.Gc.Objects;
        var a = gc.New(type, "a");
        var b = gc.New(type, "b");
        interp.Refcount.IncRef(b);
        gc.SetSlot(a, 0, b);
        interp.Refcount.IncRef(a);
        gc.SetSlot(b, 0, a);
        return (a, b);
    }

    /// <summary>
    /// The main thread holds r → x; a second thread sets r.m0 to a new node twice (dropping x, then its own first node,
    /// which it frees) while the main thread drops a garbage cycle and collects. The garbage must be freed and nothing
    /// freed may be read.
    /// </summary>
    private static void Mutator(SimRuntime rt, GcDesign design)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Gc = design });
        var gc = interp.Gc.Objects;
        var type = gc.NewType("Node", 1);
        var r = gc.New(type, "r");
        gc.SetSlot(r, 0, gc.New(type, "x"));
        var (a, b) = Cycle(interp, type);
        var worker = MemoryKit.Start(rt, interp, "mutator", t =>
        {
            gc.SetSlot(r, 0, gc.New(type, "y0"));
            gc.SetSlot(r, 0, gc.New(type, "y1"));
        });
        interp.Refcount.DecRef(a);
        interp.Refcount.DecRef(b);
        interp.Gc.Collect(interp.MainThreadState);
        MemoryKit.Join(interp, worker);
        rt.Check(a.IsStale && b.IsStale, "the garbage cycle survived the collection");
        interp.Refcount.DecRef(r);
        interp.CheckNoLeaks();
    }
}
