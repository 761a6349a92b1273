using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Objects.Dict;
using Sim.Model.Qsbr;
using Sim.Model.Tests.Mimalloc;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Objects;

public class DictTests
{
    [Fact]
    public void Lookups_FindWhatWasInserted_AcrossResizesAndDeletions()
    {
        var rt = SimRuntime.CreateProduction();
        var (interp, strs, dicts) = Dict(rt, ModelConfig.Cpython313);
        var keys = Enumerable.Range(0, 20).Select(i => strs.Intern($"k{i}", (i * 7) % 5)).ToArray(); // many collisions
        var d = dicts.New("D");
        foreach (var k in keys)
        {
            Set(interp, dicts, d, k, $"v{k.Name}");
        }

        Assert.Equal(20, dicts.Size(d));
        Assert.All(keys, k => Assert.Equal($"v{k.Name}", Get(interp, dicts, d, k)));
        Assert.True(dicts.DelItem(d, keys[3]));
        Assert.False(dicts.DelItem(d, keys[3]));
        Set(interp, dicts, d, keys[4], "replaced");
        Assert.Null(Get(interp, dicts, d, keys[3]));
        Assert.Equal("replaced", Get(interp, dicts, d, keys[4]));
        Assert.Equal(19, dicts.Size(d));
        Set(interp, dicts, d, keys[3], "again"); // a deleted key comes back in a new entry (DKIX_DUMMY slots are not reused)
        Assert.Equal("again", Get(interp, dicts, d, keys[3]));
        interp.Refcount.DecRef(d);
        interp.CheckNoLeaks([.. strs.All]);
    }

    [Fact]
    public void SplitDict_BecomesCombined_WhenItsSharedKeysAreFull_AndKeepsItsValues()
    {
        var rt = SimRuntime.CreateProduction();
        var (interp, strs, dicts) = Dict(rt, ModelConfig.Cpython313);
        var keys = Enumerable.Range(0, 7).Select(i => strs.Intern($"a{i}", i)).ToArray();
        var cached = dicts.NewKeysForClass("C.ht_cached_keys");
        var a = dicts.NewWithSharedKeys("a", cached);
        var b = dicts.NewWithSharedKeys("b", cached);
        foreach (var k in keys)
        {
            Set(interp, dicts, a, k, $"a.{k.Name}"); // the sixth key does not fit in 5 shared entries: dictresize
        }

        Set(interp, dicts, b, keys[1], "b.a1"); // b still splits the keys a added first
        Assert.All(keys, k => Assert.Equal($"a.{k.Name}", Get(interp, dicts, a, k)));
        Assert.Equal("b.a1", Get(interp, dicts, b, keys[1]));
        Assert.Null(Get(interp, dicts, b, keys[0]));
        interp.Refcount.DecRef(a);
        interp.Refcount.DecRef(b);
        dicts.DecRefKeys(cached);
        interp.CheckNoLeaks([.. strs.All]);
    }

    [Fact]
    public void SetDefaultRef_ReturnsAStrongReference_AndSetDefault_ABorrowedOne()
    {
        var rt = SimRuntime.CreateProduction();
        var (interp, strs, dicts) = Dict(rt, ModelConfig.Cpython313);
        var k = strs.Intern("k", 1);
        var d = dicts.New("D");
        var first = interp.Objects.New(MemoryKit.Type(), "first");
        Assert.Equal(0, dicts.SetDefaultRef(d, k, first, out var r1)); // inserted: the dict's reference and the result's
        Assert.Same(first, r1);
        Assert.Equal(3u, MemoryKit.HeaderOf(first).Local);
        var other = interp.Objects.New(MemoryKit.Type(), "other");
        Assert.Equal(1, dicts.SetDefaultRef(d, k, other, out var r2)); // present: the default is not stored
        Assert.Same(first, r2);
        Assert.Same(first, dicts.SetDefault(d, k, other)); // borrowed: no new reference
        Assert.Equal(4u, MemoryKit.HeaderOf(first).Local);
        interp.Refcount.DecRef(r1);
        interp.Refcount.DecRef(r2);
        interp.Refcount.DecRef(first);
        interp.Refcount.DecRef(other);
        interp.Refcount.DecRef(d);
        interp.CheckNoLeaks([.. strs.All]);
    }

    [Fact]
    public void Copy_ClonesTheKeys_WithItsOwnReferences_AndLeavesTheOriginalAlone()
    {
        var rt = SimRuntime.CreateProduction();
        var (interp, strs, dicts) = Dict(rt, ModelConfig.Cpython313);
        var keys = Enumerable.Range(0, 4).Select(i => strs.Intern($"k{i}", i)).ToArray();
        var d = dicts.New("D");
        foreach (var k in keys)
        {
            Set(interp, dicts, d, k, $"v{k.Name}");
        }

        Assert.True(dicts.DelItem(d, keys[1])); // a deleted entry, copied as such
        var copy = dicts.Copy(d, "copy");
        Assert.Equal(3, dicts.Size(copy));
        Assert.Null(Get(interp, dicts, copy, keys[1]));
        Assert.All(keys.Where(k => k != keys[1]), k => Assert.Equal($"v{k.Name}", Get(interp, dicts, copy, k)));
        Set(interp, dicts, copy, keys[0], "changed");
        Assert.Equal("vk0", Get(interp, dicts, d, keys[0]));
        interp.Refcount.DecRef(d); // the copy's references keep the values alive
        Assert.Equal("vk2", Get(interp, dicts, copy, keys[2]));
        var e = dicts.New("E");
        var empty = dicts.Copy(e, "copy of E");
        Assert.Equal(0, dicts.Size(empty));
        interp.Refcount.DecRef(copy);
        interp.Refcount.DecRef(e);
        interp.Refcount.DecRef(empty);
        interp.CheckNoLeaks([.. strs.All]);
    }

    [Fact]
    public void Copy_RacingAReplacement_HoldsTheOldOrTheNewValue_Alive_UnderExploration() =>
        Exploring.StaysClean(CopyRacesReplacement, iterations: 500);

    [Fact]
    public void Copy_RacingAReplacement_HoldsTheOldOrTheNewValue_Alive_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(CopyRacesReplacement, runs: 50);

    [Fact]
    public void LockFreeReader_RacingAResize_NeverReadsFreedKeys_UnderExploration() =>
        Exploring.StaysClean(rt => ReaderRacesResize(rt, ModelConfig.Cpython313 with { Qsbr = QsbrDesign.EagerReclaim }, reads: 2), iterations: 500);

    [Fact]
    public void LockFreeReader_RacingAResize_NeverReadsFreedKeys_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => ReaderRacesResize(rt, ModelConfig.Cpython313 with { Qsbr = QsbrDesign.EagerReclaim }, reads: 50), runs: 20);

    [Fact]
    public void KeysFreedAtOnce_UnderALockFreeReader_AreReported() =>
        Exploring.FindsBug(
            rt => ReaderRacesResize(rt, ModelConfig.Cpython313 with { Dict = DictDesign.Cpython313 with { FreeKeysWithQsbr = false } }, reads: 2),
            "reuse under a reader");

    [Fact]
    public void SharedKeys_ConcurrentNewKeysOfTwoInstances_LoseNoKey_UnderExploration() =>
        Exploring.StaysClean(rt => TwoInstancesAddKeys(rt, ModelConfig.Cpython313), iterations: 500);

    [Fact]
    public void SharedKeys_ConcurrentNewKeysOfTwoInstances_LoseNoKey_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => TwoInstancesAddKeys(rt, ModelConfig.Cpython313), runs: 50);

    [Fact]
    public void SharedKeys_WithoutTheKeysLock_LoseAKey() =>
        Exploring.FindsBug(rt => TwoInstancesAddKeys(rt, ModelConfig.Cpython313 with { Dict = DictDesign.Cpython313 with { LockSharedKeys = false } }), "lost");

    [Fact]
    public void SetDefaultRef_RacingAReplacement_ReturnsALiveValue_UnderExploration() =>
        Exploring.StaysClean(rt => SetDefaultRacesReplacement(rt, borrowed: false), iterations: 500);

    [Fact]
    public void SetDefaultRef_RacingAReplacement_ReturnsALiveValue_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => SetDefaultRacesReplacement(rt, borrowed: false), runs: 50);

    [Fact]
    public void SetDefault_BorrowedResult_IsFreedUnderTheCaller() =>
        Exploring.FindsBug(rt => SetDefaultRacesReplacement(rt, borrowed: true), "use after free", Exploring.Options with { Iterations = 5000 });

    [Fact]
    public void UnzeroedKeyEntries_ReadByALockFreeProbe_AreReported() =>
        Exploring.FindsBug(
            rt =>
            {
                var (interp, strs, dicts) = Dict(rt, ModelConfig.Cpython313 with { Dict = DictDesign.Cpython313 with { ZeroKeyEntries = false } });
                var k = strs.Intern("k", 5);
                var d = dicts.New("D");
                var writer = PythonThread.Start(rt, interp, "writer", _ => Set(interp, dicts, d, k, "v")); // index published before the key
                Get(interp, dicts, d, k);
                PythonThread.JoinAll(interp, writer);
                interp.Refcount.DecRef(d);
                interp.CheckNoLeaks([.. strs.All]);
            },
            "uninitialised read");

    /// <summary>The main thread calls setdefault on a key whose value a writer sets and replaces twice, then uses the result.</summary>
    private static void SetDefaultRacesReplacement(SimRuntime rt, bool borrowed)
    {
        var (interp, strs, dicts) = Dict(rt, ModelConfig.Cpython313);
        var k = strs.Intern("k", 3);
        var d = dicts.New("D");
        var fallback = interp.Objects.New(MemoryKit.Type(), "default");
        var writer = PythonThread.Start(rt, interp, "writer", t =>
        {
            Set(interp, dicts, d, k, "v1");
            Set(interp, dicts, d, k, "v2");
            Set(interp, dicts, d, k, "v3");
            t.CheckPeriodic();
        });
        PyObjectPtr result;
        if (borrowed)
        {
            result = dicts.SetDefault(d, k, fallback);
            interp.Refcount.IncRef(result);
        }
        else
        {
            dicts.SetDefaultRef(d, k, fallback, out result);
        }

        interp.Objects.Header(result).LoadGcBits();
        interp.Refcount.DecRef(result);
        interp.Refcount.DecRef(fallback);
        PythonThread.JoinAll(interp, writer);
        rt.Check(Get(interp, dicts, d, k) == "v3", "the writer's last value is not in D");
        interp.Refcount.DecRef(d);
        interp.CheckNoLeaks([.. strs.All]);
    }

    /// <summary>
    /// A writer replaces <c>D['k']</c> (releasing the old value, which the main thread owns) while the main thread copies D
    /// and uses the copy's value: it is the old or the new one, alive, and the copy keeps it so.
    /// </summary>
    private static void CopyRacesReplacement(SimRuntime rt)
    {
        var (interp, strs, dicts) = Dict(rt, ModelConfig.Cpython313);
        var k = strs.Intern("k", 3);
        var d = dicts.New("D");
        Set(interp, dicts, d, k, "old");
        var writer = PythonThread.Start(rt, interp, "writer", _ => Set(interp, dicts, d, k, "new"));
        var copy = dicts.Copy(d, "copy");
        var v = dicts.GetItemRef(copy, k);
        rt.Check(v?.Name is "old" or "new", $"the copy holds {v?.Name ?? "nothing"} for k");
        interp.Objects.Header(v!).LoadGcBits();
        interp.Refcount.DecRef(v!);
        PythonThread.JoinAll(interp, writer);
        rt.Check(Get(interp, dicts, d, k) == "new", "the writer's value is not in D");
        interp.Refcount.DecRef(copy);
        interp.Refcount.DecRef(d);
        interp.CheckNoLeaks([.. strs.All]);
    }

    /// <summary>The main thread owns D (five keys) and adds a sixth (a resize); a reader looks up 'a' lock-free.</summary>
    private static void ReaderRacesResize(SimRuntime rt, ModelConfig config, int reads)
    {
        var (interp, strs, dicts) = Dict(rt, config);
        var keys = Enumerable.Range(0, 6).Select(i => strs.Intern($"k{i}", i)).ToArray();
        var d = dicts.New("D");
        foreach (var k in keys[..5])
        {
            Set(interp, dicts, d, k, $"v{k.Name}");
        }

        var reader = PythonThread.Start(rt, interp, "reader", t =>
        {
            for (var n = 0; n < reads; n++)
            {
                var v = dicts.GetItemRef(d, keys[0]);
                rt.Check(v?.Name == "vk0", $"the reader found {v?.Name ?? "nothing"} for k0");
                interp.Refcount.XDecRef(v);
                t.CheckPeriodic();
            }
        });
        Set(interp, dicts, d, keys[5], "vk5");
        interp.MainThreadState.CheckPeriodic();
        PythonThread.JoinAll(interp, reader);
        rt.Check(keys.All(k => Get(interp, dicts, d, k) == $"v{k.Name}"), "a key went missing across the resize");
        interp.Refcount.DecRef(d);
        interp.CheckNoLeaks([.. strs.All]);
    }

    /// <summary>Two threads add a new attribute each to two instances sharing their class's keys.</summary>
    private static void TwoInstancesAddKeys(SimRuntime rt, ModelConfig config)
    {
        var (interp, strs, dicts) = Dict(rt, config);
        var y = strs.Intern("y", 1);
        var z = strs.Intern("z", 2);
        var cached = dicts.NewKeysForClass("C.ht_cached_keys");
        var a = dicts.NewWithSharedKeys("a", cached);
        var b = dicts.NewWithSharedKeys("b", cached);
        var t1 = PythonThread.Start(rt, interp, "t1", _ => Set(interp, dicts, a, y, "ay"));
        var t2 = PythonThread.Start(rt, interp, "t2", _ => Set(interp, dicts, b, z, "bz"));
        PythonThread.JoinAll(interp, t1, t2);
        rt.Check(Get(interp, dicts, a, y) == "ay" && Get(interp, dicts, b, z) == "bz", "a new shared key was lost");
        interp.Refcount.DecRef(a);
        interp.Refcount.DecRef(b);
        dicts.DecRefKeys(cached);
        interp.CheckNoLeaks([.. strs.All]);
    }

    private static (PyInterpreterState Interp, InternedStrings Strs, PyDictObject Dicts) Dict(SimRuntime rt, ModelConfig config)
    {
        var interp = MemoryKit.Interp(rt, config);
        return (interp, new InternedStrings(interp), new PyDictObject(interp));
    }

    /// <summary><c>d[k] = value</c> with a new int named <paramref name="value"/>.</summary>
    private static void Set(PyInterpreterState interp, PyDictObject dicts, PyObjectPtr d, PyObjectPtr k, string value)
    {
        var v = interp.Objects.New(MemoryKit.Type(), value);
        dicts.SetItem(d, k, v);
        interp.Refcount.DecRef(v);
    }

    /// <summary>The name of <c>d[k]</c>, or null if missing.</summary>
    private static string? Get(PyInterpreterState interp, PyDictObject dicts, PyObjectPtr d, PyObjectPtr k)
    {
        var v = dicts.GetItemRef(d, k);
        interp.Refcount.XDecRef(v);
        return v?.Name;
    }
}
