using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Objects;
using Sim.Model.Objects.Weakrefs;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Objects;

/// <summary>
/// The referent and one of its weakrefs are destroyed at the same time (gh-111926; <c>Objects/weakrefobject.c</c>: "The
/// referenced object and its weakrefs may be destroyed concurrently"). Another thread creates a weakref with a callback
/// to the main thread's <c>obj</c>, says so, and drops it; the main thread, told, drops <c>obj</c>. The weakref's
/// <c>weakref_dealloc</c> (<c>clear_weakref</c>) and the referent's <c>PyObject_ClearWeakRefs</c> both clear it; nothing
/// may touch the weakref's memory after it is freed.
/// </summary>
/// <remarks>
/// A finding of this model [version-uncertain]: in the code read (a later copy of <c>weakrefobject.c</c>; the same
/// <c>clear_weakref_lock_held</c> is in gh-111926's PR #117168), <c>clear_weakref_lock_held</c> stores <c>Py_None</c>
/// into <c>wr_object</c> and then writes <c>wr_prev</c>, <c>wr_next</c> and <c>wr_callback</c>, and
/// <c>PyObject_ClearWeakRefs</c> then calls <c>_Py_TryIncref</c> on the weakref; a <c>clear_weakref</c> that sees
/// <c>Py_None</c> returns without the stripe, and <c>weakref_dealloc</c> frees the weakref in between. Deviations: those
/// of <see cref="PyWeakrefs"/>.
/// </remarks>
[Scenario("weakref-concurrent-dealloc")]
public sealed class WeakrefConcurrentDealloc : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A referent's PyObject_ClearWeakRefs races the dealloc of one of its weakrefs: nothing touches the weakref after it is freed.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-111926 (PR #117168): make weakrefs thread-safe in the free-threaded build",
        "Objects/weakrefobject.c: PyObject_ClearWeakRefs, clear_weakref, clear_weakref_lock_held, weakref_dealloc (read from a later copy)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("candidate-fix",
            "The model's candidate fix: clear_weakref_lock_held stores Py_None last, and PyObject_ClearWeakRefs takes its reference before clearing.",
            Expectation.Clean, ModelConfig.Cpython313 with { Weakrefs = WeakrefDesign.Cpython313 with { NoneStoredLast = true } }),
        new("cpython-3.13",
            "As read: Py_None is published before the weakref's last accesses; the weakref's own dealloc, seeing it, frees the weakref without the stripe. A finding of this model.",
            Expectation.Bug("use after free"), ModelConfig.Cpython313),
        new("no-striped-lock",
            "The default build's clearing with the GIL disabled: the two deallocs unlink the same list at once.",
            Expectation.Bug("memory error"),
            ModelConfig.Cpython313 with { Weakrefs = WeakrefDesign.Cpython313 with { NoneStoredLast = true, StripedLocks = false } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var weakrefs = interp.Weakrefs;
        var type = new PyTypeObject("C", PyTypeObject.HeaderSize + 8) { WeaklistWord = 0 };
        var obj = interp.Objects.GenericAlloc(type, "obj");
        var cb = interp.Objects.New(new PyTypeObject("function", 32), "cb");
        interp.Refcount.SetMaybeWeakref(cb); // shared with the other thread
        var created = new PyEvent(runtime, "created");
        var other = PythonThread.Start(runtime, interp, "other", _ =>
        {
            var wr = weakrefs.NewRef(obj, cb);
            created.Notify();
            interp.Refcount.DecRef(wr.Ptr);
        });

        created.Wait();
        interp.Refcount.DecRef(obj);
        PythonThread.JoinAll(interp, other);
        interp.Refcount.DecRef(cb);
        interp.CheckNoLeaks();
    }
}
