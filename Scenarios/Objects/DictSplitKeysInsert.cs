using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Objects.Dict;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Objects;

/// <summary>
/// New keys added to the split keys that the instances of a class share (<c>ht_cached_keys</c>; gh-112075, the
/// free-threaded split-dict changes [PR not pinned]: <c>insert_split_key</c> under <c>LOCK_KEYS</c>, <c>STORE_SHARED_KEY</c>). Two instances
/// <c>a</c> and <c>b</c> of a class share keys holding <c>x</c>; one thread sets <c>a.y</c> and another <c>b.z</c>, each in
/// its own dict's critical section, which does not exclude the other: only the keys' own lock (<c>dk_mutex</c>) orders
/// the two new entries. Meanwhile the main thread looks up <c>b.y</c> lock-free: it may see <c>y</c>'s index published
/// before <c>y</c>'s key is stored (3.13 stores the index, then the key with a release store, then counts the entry), and
/// reads the entry that <c>new_keys_object</c> zeroed: NULL, so it probes on.
/// </summary>
/// <remarks>
/// Deviations: those of <see cref="PyDictObject"/>; the class is not modelled, only its cached keys, which outlive the
/// scenario as a class's do (their <c>dictkeys_decref</c> at the class's deallocation is not part of the race).
/// </remarks>
[Scenario("dict-split-keys-insert")]
public sealed class DictSplitKeysInsert : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "Two instances add new attributes to their class's shared keys while a third thread reads one lock-free: no key is lost and no entry is read before it is initialised.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-112075: LOCK_KEYS (dk_mutex) around new shared keys, lock-free reads of split dicts [PR not pinned]",
        "Objects/dictobject.c: insert_split_key, insert_split_value, split_keys_entry_added, new_keys_object, new_dict_with_shared_keys, unicodekeys_lookup_unicode_threadsafe (3.13; insert_split_key read from a 3.14-era copy)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("cpython-3.13", "CPython 3.13: new shared keys are added under LOCK_KEYS, into entries that new_keys_object zeroed.",
            Expectation.Clean, ModelConfig.Cpython313),
        new("no-keys-lock",
            "A plausible broken design that dk_mutex exists to prevent: a new shared key is added under the dict's critical section only, so two instances take the same entry and one key is lost.",
            Expectation.Bug("lost"), ModelConfig.Cpython313 with { Dict = DictDesign.Cpython313 with { LockSharedKeys = false } }),
        new("entries-not-zeroed",
            "A plausible broken design that new_keys_object's memset prevents: entries left as PyMem_Malloc returns them, so a lock-free reader that sees a new index before its key reads garbage.",
            Expectation.Bug("uninitialised read"), ModelConfig.Cpython313 with { Dict = DictDesign.Cpython313 with { ZeroKeyEntries = false } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var strs = new InternedStrings(interp);
        var dicts = new PyDictObject(interp);
        var intType = new PyTypeObject("int", 32);
        var x = strs.Intern("x", 0);
        var y = strs.Intern("y", 1);
        var z = strs.Intern("z", 2);
        var cachedKeys = dicts.NewKeysForClass("C.ht_cached_keys");
        var a = dicts.NewWithSharedKeys("a.__dict__", cachedKeys);
        var b = dicts.NewWithSharedKeys("b.__dict__", cachedKeys);
        DictResizeLockFreeRead.Insert(interp, dicts, a, x, interp.Objects.New(intType, "ax"));
        DictResizeLockFreeRead.Insert(interp, dicts, b, x, interp.Objects.New(intType, "bx"));

        var w1 = PythonThread.Start(runtime, interp, "writer-a", tstate =>
        {
            DictResizeLockFreeRead.Insert(interp, dicts, a, y, interp.Objects.New(intType, "ay"));
            tstate.CheckPeriodic();
        });
        var w2 = PythonThread.Start(runtime, interp, "writer-b", tstate =>
        {
            DictResizeLockFreeRead.Insert(interp, dicts, b, z, interp.Objects.New(intType, "bz"));
            tstate.CheckPeriodic();
        });

        for (var n = 0; n < 2; n++)
        {
            var v = dicts.GetItemRef(b, y); // b never gets y: the probe may only meet a's new entry
            runtime.Check(v is null, $"b.y returned {v?.Name}, which only a has");
            interp.MainThreadState.CheckPeriodic();
        }

        PythonThread.JoinAll(interp, w1, w2);
        Expect(runtime, dicts, interp, a, y, "ay");
        Expect(runtime, dicts, interp, b, z, "bz");
        Expect(runtime, dicts, interp, a, x, "ax");
        interp.Refcount.DecRef(a);
        interp.Refcount.DecRef(b);
        interp.CheckNoLeaks([.. strs.All, cachedKeys]); // the class, which holds the cached keys, outlives the scenario
    }

    private static void Expect(SimRuntime runtime, PyDictObject dicts, PyInterpreterState interp, PyObjectPtr d, PyObjectPtr key, string value)
    {
        var v = dicts.GetItemRef(d, key);
        runtime.Check(v?.Name == value, $"{d.Name}['{key.Name}'] is {v?.Name ?? "missing"}, not {value}: an insertion into the shared keys was lost");
        interp.Refcount.XDecRef(v);
    }
}
