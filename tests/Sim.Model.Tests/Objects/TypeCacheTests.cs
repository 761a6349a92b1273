using Sim.Model.Interpreter;
using Sim.Model.Objects.Types;
using Sim.Model.Tests.Mimalloc;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Objects;

public class TypeCacheTests
{
    private static readonly PyInternedStr s_f = new("f", 7);

    [Fact]
    public void Lookup_AssignsVersionTags_FindsInheritedNames_AndSetAttrInvalidatesSubclasses()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var types = new TypesState(interp);
        var f = interp.Objects.New(MemoryKit.Type(), "f");
        var g = interp.Objects.New(MemoryKit.Type(), "g");
        var baseType = types.NewType("Base", [], (s_f, f));
        var derived = types.NewType("Derived", [baseType]);

        Assert.Equal(0, derived.TpVersionTag.Peek());
        var found = types.LookupRef(derived, s_f);
        Assert.Same(f, found);
        interp.Refcount.XDecRef(found);
        Assert.Equal(TypesState.FirstHeapTypeVersion, derived.TpVersionTag.Peek());
        Assert.Equal(TypesState.FirstHeapTypeVersion + 1, baseType.TpVersionTag.Peek());

        types.SetAttr(baseType, s_f, g);
        Assert.Equal(0, baseType.TpVersionTag.Peek());
        Assert.Equal(0, derived.TpVersionTag.Peek());
        var again = types.LookupRef(derived, s_f);
        Assert.Same(g, again);
        interp.Refcount.XDecRef(again);
        types.ClearTypes(baseType, derived);
        interp.CheckNoLeaks();
    }

    [Fact]
    public void TypeModified_OutsideTypeLock_IsReported() =>
        Exploring.FindsBug(rt =>
        {
            var interp = MemoryKit.Interp(rt);
            new TypesState(interp).TypeModified(new TypesState(interp).NewType("C", []));
        }, "without the critical section of TYPE_LOCK");

    [Fact]
    public void LookupRacingSetAttr_ReturnsALiveValue_UnderExploration() =>
        Exploring.StaysClean(rt => LookupRacingSetAttr(rt, TypeCacheDesign.Cpython313, lookups: 2), iterations: 500);

    [Fact]
    public void LookupRacingSetAttr_ReturnsALiveValue_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => LookupRacingSetAttr(rt, TypeCacheDesign.Cpython313, lookups: 200), runs: 20);

    [Fact]
    public void UnsynchronizedCache_CollidingRefill_TearsTheEntry() =>
        Exploring.FindsBug(rt => LookupRacingSetAttr(rt, TypeCacheDesign.Unsynchronized with { SizeExp = 0 }, lookups: 2), "returned");

    [Fact]
    public void AssignmentDuringABlockedFind_OutdatesTheEntry_UnderExploration() =>
        Exploring.StaysClean(rt => AssignmentDuringABlockedFind(rt, TypeCacheDesign.Cpython313 with { SizeExp = 0 }), iterations: 500);

    [Fact]
    public void AssignmentDuringABlockedFind_OutdatesTheEntry_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => AssignmentDuringABlockedFind(rt, TypeCacheDesign.Cpython313 with { SizeExp = 0 }), runs: 50);

    [Fact]
    public void VersionAssignedAfterABlockedFind_CachesTheOldValueForGood() =>
        Exploring.FindsBug(rt => AssignmentDuringABlockedFind(rt, TypeCacheDesign.Cpython3130 with { SizeExp = 0 }), "returned old");

    [Fact]
    public void FindNameInMro_ByANonOwner_MarksEachDictShared()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var types = new TypesState(interp);
        var c = types.NewType("C", [], (s_f, interp.Objects.New(MemoryKit.Type(), "f")));
        var d = types.NewType("D", [c]);
        interp.Refcount.XDecRef(types.LookupRef(d, s_f));
        Assert.Equal(0, c.DictShared.Peek()); // the owner's read does not share it
        var t = PythonThread.Start(rt, interp, "other", _ => interp.Refcount.XDecRef(types.LookupRef(c, s_f)));
        PythonThread.JoinAll(interp, t);
        Assert.Equal(1, c.DictShared.Peek());
        types.ClearTypes(c, d);
        interp.CheckNoLeaks();
    }

    /// <summary>
    /// A reader misses on D.f (inherited from C) while the main thread copies C's dict, which may block the reader's find
    /// with TYPE_LOCK suspended, and then assigns D.f: afterwards a lookup of D.f returns the new value.
    /// </summary>
    private static void AssignmentDuringABlockedFind(SimRuntime rt, TypeCacheDesign cache)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { TypeCache = cache });
        var types = new TypesState(interp);
        var old = interp.Objects.New(MemoryKit.Type(), "old");
        var fresh = interp.Objects.New(MemoryKit.Type(), "new");
        var c = types.NewType("C", [], (s_f, old));
        var d = types.NewType("D", [c], (s_f, null));
        var reader = PythonThread.Start(rt, interp, "reader", _ => interp.Refcount.XDecRef(types.LookupRef(d, s_f)));
        foreach (var v in types.CopyDict(c))
        {
            interp.Refcount.DecRef(v);
        }

        types.SetAttr(d, s_f, fresh);
        PythonThread.JoinAll(interp, reader);
        var got = types.LookupRef(d, s_f);
        rt.Check(ReferenceEquals(got, fresh), $"a lookup of D.f returned {got?.Name ?? "NULL"} after D.f = new");
        interp.Refcount.XDecRef(got);
        types.ClearTypes(c, d);
        interp.CheckNoLeaks();
    }

    /// <summary>
    /// The main thread owns the values and assigns <c>C.f</c> twice, looking up <c>D.f</c> after each; another thread looks
    /// up <c>C.f</c> and <c>D.f</c>. On a one-entry cache both threads refill the same entry. Every lookup of C.f returns
    /// one of C's values, alive.
    /// </summary>
    private static void LookupRacingSetAttr(SimRuntime rt, TypeCacheDesign cache, int lookups)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { TypeCache = cache });
        var types = new TypesState(interp);
        var values = Enumerable.Range(0, 3).Select(i => interp.Objects.New(MemoryKit.Type(), $"f{i}")).ToArray();
        var c = types.NewType("C", [], (s_f, values[0]));
        var d = types.NewType("D", [], (s_f, interp.Objects.New(MemoryKit.Type(), "d")));
        var reader = PythonThread.Start(rt, interp, "reader", t =>
        {
            for (var k = 0; k < lookups; k++)
            {
                var v = types.LookupRef(c, s_f);
                rt.Check(v is not null && values.Any(x => ReferenceEquals(x, v)), $"a lookup of C.f returned {v?.Name ?? "NULL"}");
                interp.Objects.Header(v!).LoadGcBits();
                interp.Refcount.DecRef(v!);
                interp.Refcount.XDecRef(types.LookupRef(d, s_f));
                t.CheckPeriodic();
            }
        });
        types.SetAttr(c, s_f, values[1]);
        interp.Refcount.XDecRef(types.LookupRef(d, s_f));
        types.SetAttr(c, s_f, values[2]);
        interp.Refcount.XDecRef(types.LookupRef(d, s_f));
        PythonThread.JoinAll(interp, reader);
        types.ClearTypes(c, d);
        interp.CheckNoLeaks();
    }
}
