using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Objects.Weakrefs;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Objects;

/// <summary>
/// Two threads call <c>weakref.ref(obj)</c> at once (gh-111926). Without a callback, <c>get_or_create_weakref</c> returns
/// the referent's one basic ref, creating it if there is none: under the referent's stripe it looks for the basic ref,
/// allocates a new one with the stripe released, and looks again under the stripe before inserting it. Both threads must
/// get the same basic ref, and every weakref must be on the referent's list, so that the referent's dealloc clears it.
/// </summary>
/// <remarks>Deviations: those of <see cref="PyWeakrefs"/>.</remarks>
[Scenario("weakref-concurrent-new-ref")]
public sealed class WeakrefConcurrentNewRef : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "Two threads create a weakref to the same object: both get the one basic ref, and the referent's dealloc clears every weakref.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-111926: make weakrefs thread-safe in the free-threaded build",
        "Objects/weakrefobject.c: get_or_create_weakref, get_basic_refs, try_reuse_basic_ref, insert_head, PyObject_ClearWeakRefs (3.13; read from a later copy)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("cpython-3.13", "get_or_create_weakref looks for the basic ref under the stripe, and again under it before inserting a new one.",
            Expectation.Clean, ModelConfig.Cpython313),
        new("no-striped-lock",
            "The default build's get_or_create_weakref with the GIL disabled (LOCK_WEAKREFS expands to nothing): both threads miss the basic ref and insert their own, and one insertion can overwrite the other's link.",
            Expectation.BugAnyOf("two basic refs", "memory error"),
            ModelConfig.Cpython313 with { Weakrefs = WeakrefDesign.Cpython313 with { StripedLocks = false } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var weakrefs = interp.Weakrefs;
        var type = new PyTypeObject("C", PyTypeObject.HeaderSize + 8) { WeaklistWord = 0 };
        var obj = interp.Objects.GenericAlloc(type, "obj");
        interp.Refcount.IncRef(obj); // the other thread's reference, given to it by the main thread
        PyWeakReference? theirs = null;
        var other = PythonThread.Start(runtime, interp, "other", _ =>
        {
            theirs = weakrefs.NewRef(obj);
            interp.Refcount.DecRef(obj);
        });

        var mine = weakrefs.NewRef(obj);
        PythonThread.JoinAll(interp, other);
        runtime.Check(mine == theirs, $"two basic refs to obj: {mine} in block {mine.Ptr.Block.Name} and {theirs} in block {theirs?.Ptr.Block.Name}");
        interp.Refcount.DecRef(obj);
        runtime.Check(weakrefs.GetRef(mine) is null && weakrefs.GetRef(theirs!.Value) is null, "a weakref to obj was not cleared when obj died");
        interp.Refcount.DecRef(mine.Ptr);
        interp.Refcount.DecRef(theirs.Value.Ptr);
        interp.CheckNoLeaks();
    }
}
