using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Objects.Weakrefs;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Objects;

public class WeakrefTests
{
    private static PyTypeObject Referent() => new("C", PyTypeObject.HeaderSize + 8) { WeaklistWord = 0 };

    [Fact]
    public void BasicRef_IsShared_RefWithCallbackFollowsIt_AndDeallocClearsBoth()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var weakrefs = interp.Weakrefs;
        var called = new List<PyWeakReference>();
        weakrefs.CallbackHook = (wr, _) => called.Add(wr);
        var obj = interp.Objects.GenericAlloc(Referent(), "obj");
        var cb = interp.Objects.New(MemoryKit.Type(), "cb");

        var r1 = weakrefs.NewRef(obj);
        var r2 = weakrefs.NewRef(obj);
        var withCallback = weakrefs.NewRef(obj, cb);
        Assert.Equal(r1, r2);
        Assert.NotEqual(r1, withCallback);
        Assert.Equal(r1, weakrefs.ListHead(obj));
        Assert.Equal(withCallback.Ptr, r1.LoadNext());
        Assert.Equal(2, weakrefs.GetWeakrefCountThreadsafe(obj));
        Assert.Equal(RefcountBits.MaybeWeakref, MemoryKit.HeaderOf(obj).Shared);

        var got = weakrefs.GetRef(r1);
        Assert.Same(obj, got);
        interp.Refcount.DecRef(got!);
        var hash = weakrefs.Hash(r1);
        Assert.Equal(PyWeakrefs.HashPointer(obj), hash);

        interp.Refcount.DecRef(obj);
        Assert.Null(weakrefs.GetRef(r1));
        Assert.True(weakrefs.IsDead(withCallback));
        Assert.Equal([withCallback], called);
        Assert.Equal(hash, weakrefs.Hash(r1)); // cached before the referent died
        Assert.Null(weakrefs.Hash(withCallback)); // weak object has gone away

        interp.Refcount.DecRef(r1.Ptr);
        interp.Refcount.DecRef(r2.Ptr);
        interp.Refcount.DecRef(withCallback.Ptr);
        interp.Refcount.DecRef(cb);
        interp.CheckNoLeaks();
    }

    [Fact]
    public void ClearRef_WithTheWorldStopped_UnlinksAndLeavesTheCallback_WhichTheWeakrefsDeallocDrops()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var weakrefs = interp.Weakrefs;
        var obj = interp.Objects.GenericAlloc(Referent(), "obj");
        var cb = interp.Objects.New(MemoryKit.Type(), "cb");
        var basic = weakrefs.NewRef(obj);
        var withCallback = weakrefs.NewRef(obj, cb);

        interp.StopTheWorld();
        weakrefs.ClearRef(basic);
        Assert.Equal(withCallback, weakrefs.ListHead(obj));
        Assert.Null(withCallback.LoadPrev());
        weakrefs.ClearWeakRefsExceptCallbacks(obj);
        interp.StartTheWorld();

        Assert.Null(weakrefs.ListHead(obj));
        Assert.Null(basic.LoadObject());
        Assert.Same(cb, withCallback.LoadCallback());
        interp.Refcount.DecRef(obj);
        interp.Refcount.DecRef(basic.Ptr);
        interp.Refcount.DecRef(cb);
        interp.Refcount.DecRef(withCallback.Ptr); // clear_weakref steals the callback even though wr_object is Py_None
        interp.CheckNoLeaks();
    }

    [Fact]
    public void GetRefRacingLastDecref_NeverRevivesOrReturnsAnotherObject_UnderExploration() =>
        Exploring.StaysClean(rt => GetRefRacingLastDecref(rt, WeakrefDesign.Cpython313), iterations: 500);

    [Fact]
    public void GetRefRacingLastDecref_NeverRevivesOrReturnsAnotherObject_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => GetRefRacingLastDecref(rt, WeakrefDesign.Cpython313), runs: 50);

    [Fact]
    public void PlainIncref_RacingLastDecref_IsAMemoryError() =>
        Exploring.FindsBug(rt => GetRefRacingLastDecref(rt, WeakrefDesign.DefaultBuildWithoutGil), "memory error");

    [Fact]
    public void WithoutMaybeWeakref_ANonOwnerSeesALiveReferentAsDead() =>
        Exploring.FindsBug(rt => GetRefRacingLastDecref(rt, WeakrefDesign.Cpython313 with { SetsMaybeWeakref = false }), "returned NULL");

    [Fact]
    public void ConcurrentNewRef_ReturnsOneBasicRef_UnderExploration() =>
        Exploring.StaysClean(rt => ConcurrentNewRef(rt, WeakrefDesign.Cpython313), iterations: 500);

    [Fact]
    public void ConcurrentNewRef_ReturnsOneBasicRef_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => ConcurrentNewRef(rt, WeakrefDesign.Cpython313), runs: 50);

    [Fact]
    public void ConcurrentNewRef_WithoutTheStripedLock_CreatesTwoBasicRefs() =>
        Exploring.FindsBug(rt => ConcurrentNewRef(rt, WeakrefDesign.Cpython313 with { StripedLocks = false }), "two basic refs");

    [Fact]
    public void ClearWeakRefsRacingAWeakrefsDealloc_NeverTouchesTheFreedWeakref_UnderExploration() =>
        Exploring.StaysClean(rt => ConcurrentDealloc(rt, WeakrefDesign.Cpython313), iterations: 500);

    [Fact]
    public void ClearWeakRefsRacingAWeakrefsDealloc_NeverTouchesTheFreedWeakref_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => ConcurrentDealloc(rt, WeakrefDesign.Cpython313), runs: 50);

    [Fact]
    public void ClearWeakRefsRacingAWeakrefsDealloc_LockingThroughTheReferent_WritesTheFreedWeakref() =>
        Exploring.FindsBug(rt => ConcurrentDealloc(rt, WeakrefDesign.Cpython313 with { LocksThroughWeakref = false }), "use after free");

    /// <summary>Another thread creates a weakref with a callback to obj and drops it while the main thread drops obj.</summary>
    private static void ConcurrentDealloc(SimRuntime rt, WeakrefDesign design)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Weakrefs = design });
        var obj = interp.Objects.GenericAlloc(Referent(), "obj");
        var cb = interp.Objects.New(MemoryKit.Type(), "cb");
        interp.Refcount.SetMaybeWeakref(cb);
        var created = new Sim.Model.Locks.PyEvent(rt, "created");
        var other = MemoryKit.Start(rt, interp, "other", _ =>
        {
            var wr = interp.Weakrefs.NewRef(obj, cb);
            created.Notify();
            interp.Refcount.DecRef(wr.Ptr);
        });
        created.Wait();
        interp.Refcount.DecRef(obj);
        MemoryKit.Join(interp, other);
        interp.Refcount.DecRef(cb);
        interp.CheckNoLeaks();
    }

    /// <summary>
    /// The main thread owns obj, weakly referenced; a reader dereferences the weakref while the main thread drops the last
    /// reference. The reader gets obj (alive, not another object) or NULL, and NULL only once the drop has begun.
    /// </summary>
    private static void GetRefRacingLastDecref(SimRuntime rt, WeakrefDesign design)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Weakrefs = design });
        var obj = interp.Objects.GenericAlloc(Referent(), "obj");
        var wr = interp.Weakrefs.NewRef(obj);
        var dropping = false;
        var reader = MemoryKit.Start(rt, interp, "reader", _ =>
        {
            var got = interp.Weakrefs.GetRef(wr);
            rt.Check(got is not null || Volatile.Read(ref dropping), "PyWeakref_GetRef returned NULL for a referent that was still alive");
            if (got is not null)
            {
                rt.Check(ReferenceEquals(got, obj), $"PyWeakref_GetRef returned {got}, not obj");
                interp.Refcount.DecRef(got);
            }
        });
        interp.Refcount.DecRef(interp.Weakrefs.GetRef(wr)!); // the owner uses it once more
        Volatile.Write(ref dropping, true);
        interp.Refcount.DecRef(obj);
        MemoryKit.Join(interp, reader);
        interp.Refcount.DecRef(wr.Ptr);
        interp.CheckNoLeaks();
    }

    /// <summary>Two threads call <c>weakref.ref(obj)</c>: both get the one basic ref.</summary>
    private static void ConcurrentNewRef(SimRuntime rt, WeakrefDesign design)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Weakrefs = design });
        var obj = interp.Objects.GenericAlloc(Referent(), "obj");
        interp.Refcount.SetMaybeWeakref(obj); // shared with the other thread
        PyWeakReference? theirs = null;
        var other = MemoryKit.Start(rt, interp, "other", _ => theirs = interp.Weakrefs.NewRef(obj));
        var mine = interp.Weakrefs.NewRef(obj);
        MemoryKit.Join(interp, other);
        rt.Check(mine == theirs, $"two basic refs to obj: {mine} and {theirs}");
        interp.Refcount.DecRef(obj);
        interp.Refcount.DecRef(mine.Ptr);
        interp.Refcount.DecRef(theirs!.Value.Ptr);
        interp.CheckNoLeaks();
    }
}
