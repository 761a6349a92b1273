using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Objects.Types;
using Sim.Model.Tests.Mimalloc;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Objects;

public class TypeCacheTests
{
    [Fact]
    public void Lookup_AssignsVersionTags_FindsInheritedNames_AndSetAttrInvalidatesSubclasses()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var types = new TypesState(interp);
        var fName = types.Intern("f", 7);
        var f = interp.Objects.New(MemoryKit.Type(), "f");
        var g = interp.Objects.New(MemoryKit.Type(), "g");
        var baseType = types.NewType("Base", [], (fName, f));
        var derived = types.NewType("Derived", [baseType]);

        Assert.Equal(0, derived.TpVersionTag.Peek());
        var found = types.LookupRef(derived, fName);
        Assert.Same(f, found);
        interp.Refcount.XDecRef(found);
        Assert.Equal(TypesState.FirstHeapTypeVersion, derived.TpVersionTag.Peek());
        Assert.Equal(TypesState.FirstHeapTypeVersion + 1, baseType.TpVersionTag.Peek());

        types.SetAttr(baseType, fName, g);
        Assert.Equal(0, baseType.TpVersionTag.Peek());
        Assert.Equal(0, derived.TpVersionTag.Peek());
        var again = types.LookupRef(derived, fName);
        Assert.Same(g, again);
        interp.Refcount.XDecRef(again);
        types.ClearTypes(baseType, derived);
        interp.CheckNoLeaks([.. types.InternedForCheck]);
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
        var fName = types.Intern("f", 7);
        var c = types.NewType("C", [], (fName, interp.Objects.New(MemoryKit.Type(), "f")));
        var d = types.NewType("D", [c]);
        interp.Refcount.XDecRef(types.LookupRef(d, fName));
        Assert.False(IsShared(c.TpDict)); // the owner's read does not share it
        var t = PythonThread.Start(rt, interp, "other", _ => interp.Refcount.XDecRef(types.LookupRef(c, fName)));
        PythonThread.JoinAll(interp, t);
        Assert.True(IsShared(c.TpDict));
        Assert.False(IsShared(d.TpDict)); // the other thread's lookup of C.f never read D's dict
        types.ClearTypes(c, d);
        interp.CheckNoLeaks([.. types.InternedForCheck]);
    }

    [Fact]
    public void TpDict_IsADictOfTheAttributes_ThatSetAttrAndDeletionWriteThrough()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var types = new TypesState(interp);
        var fName = types.Intern("f", 7);
        var gName = types.Intern("g", 15); // the same slot of an 8-slot table as f: a collision
        var f = interp.Objects.New(MemoryKit.Type(), "f");
        var c = types.NewType("C", [], (fName, f));
        Assert.Same(types.Dicts.Type, c.TpDict.Allocation.Type);
        Assert.Equal(1, types.Dicts.Size(c.TpDict));

        Assert.True(types.SetAttr(c, gName, interp.Objects.New(MemoryKit.Type(), "g")));
        Assert.Equal(2, types.Dicts.Size(c.TpDict));
        var g = types.Dicts.GetItemRef(c.TpDict, gName.Str);
        Assert.Equal("g", g?.Name);
        interp.Refcount.XDecRef(g);

        Assert.True(types.SetAttr(c, fName, null)); // del C.f
        Assert.False(types.SetAttr(c, fName, null)); // del C.f again: AttributeError
        Assert.Null(types.Dicts.GetItemRef(c.TpDict, fName.Str));
        Assert.Null(types.LookupRef(c, fName));
        Assert.True(f.IsStale); // the dict held the last reference to f
        types.ClearTypes(c);
        interp.CheckNoLeaks([.. types.InternedForCheck]);
    }

    [Fact]
    public void DeleteRacingLookup_ReturnsTheLiveValueOrNothing_UnderExploration() =>
        Exploring.StaysClean(rt => DeleteRacingLookup(rt, lookups: 2), iterations: 500);

    [Fact]
    public void DeleteRacingLookup_ReturnsTheLiveValueOrNothing_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => DeleteRacingLookup(rt, lookups: 200), runs: 20);

    /// <summary>
    /// A reader misses on D.f (inherited from C) while the main thread copies C's dict, which may block the reader's find
    /// with TYPE_LOCK suspended, and then assigns D.f: afterwards a lookup of D.f returns the new value.
    /// </summary>
    private static void AssignmentDuringABlockedFind(SimRuntime rt, TypeCacheDesign cache)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { TypeCache = cache });
        var types = new TypesState(interp);
        var fName = types.Intern("f", 7);
        var old = interp.Objects.New(MemoryKit.Type(), "old");
        var fresh = interp.Objects.New(MemoryKit.Type(), "new");
        var c = types.NewType("C", [], (fName, old));
        var d = types.NewType("D", [c]);
        var reader = PythonThread.Start(rt, interp, "reader", _ => interp.Refcount.XDecRef(types.LookupRef(d, fName)));
        interp.Refcount.DecRef(types.Dicts.Copy(c.TpDict, "vars(C).copy()"));
        types.SetAttr(d, fName, fresh);
        PythonThread.JoinAll(interp, reader);
        var got = types.LookupRef(d, fName);
        rt.Check(ReferenceEquals(got, fresh), $"a lookup of D.f returned {got?.Name ?? "NULL"} after D.f = new");
        interp.Refcount.XDecRef(got);
        types.ClearTypes(c, d);
        interp.CheckNoLeaks([.. types.InternedForCheck]);
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
        var fName = types.Intern("f", 7);
        var values = Enumerable.Range(0, 3).Select(i => interp.Objects.New(MemoryKit.Type(), $"f{i}")).ToArray();
        var c = types.NewType("C", [], (fName, values[0]));
        var d = types.NewType("D", [], (fName, interp.Objects.New(MemoryKit.Type(), "d")));
        var reader = PythonThread.Start(rt, interp, "reader", t =>
        {
            for (var k = 0; k < lookups; k++)
            {
                var v = types.LookupRef(c, fName);
                rt.Check(v is not null && values.Any(x => ReferenceEquals(x, v)), $"a lookup of C.f returned {v?.Name ?? "NULL"}");
                interp.Objects.Header(v!).LoadGcBits();
                interp.Refcount.DecRef(v!);
                interp.Refcount.XDecRef(types.LookupRef(d, fName));
                t.CheckPeriodic();
            }
        });
        types.SetAttr(c, fName, values[1]);
        interp.Refcount.XDecRef(types.LookupRef(d, fName));
        types.SetAttr(c, fName, values[2]);
        interp.Refcount.XDecRef(types.LookupRef(d, fName));
        PythonThread.JoinAll(interp, reader);
        types.ClearTypes(c, d);
        interp.CheckNoLeaks([.. types.InternedForCheck]);
    }

    /// <summary>
    /// The main thread, which owns <c>f</c>, deletes <c>C.f</c> (which frees f) while a reader looks it up and uses the
    /// result: each lookup returns f, alive, or NULL; after the deletion the type cache and the dict agree that C has no f.
    /// </summary>
    private static void DeleteRacingLookup(SimRuntime rt, int lookups)
    {
        var interp = MemoryKit.Interp(rt);
        var types = new TypesState(interp);
        var fName = types.Intern("f", 7);
        var f = interp.Objects.New(MemoryKit.Type(), "f");
        var c = types.NewType("C", [], (fName, f));
        interp.Refcount.XDecRef(types.LookupRef(c, fName)); // fills the cache
        var reader = PythonThread.Start(rt, interp, "reader", t =>
        {
            for (var k = 0; k < lookups; k++)
            {
                var v = types.LookupRef(c, fName);
                rt.Check(v is null || ReferenceEquals(v, f), $"a lookup of C.f returned {v?.Name}");
                if (v is not null)
                {
                    interp.Objects.Header(v).LoadGcBits(); // uses it
                    interp.Refcount.DecRef(v);
                }

                t.CheckPeriodic();
            }
        });
        rt.Check(types.SetAttr(c, fName, null), "del C.f found no f");
        var after = types.LookupRef(c, fName);
        rt.Check(after is null, $"after del C.f, a lookup of C.f returned {after?.Name}");
        PythonThread.JoinAll(interp, reader);
        types.ClearTypes(c);
        interp.CheckNoLeaks([.. types.InternedForCheck]);
    }

    private static bool IsShared(PyObjectPtr dict) => (dict.Block.ObGcBits.Peek() & PyGcBits.Shared) != 0;
}
