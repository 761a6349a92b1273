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
/// 3.13 holds because the weakref's dealloc locks the stripe the weakref keeps (<c>clear_weakref</c>:
/// <c>LOCK_WEAKREFS_FOR_WR(self)</c>), the referent's, even once <c>wr_object</c> is <c>Py_None</c>: "self-&gt;wr_object may
/// be Py_None if the GC cleared the weakref, so lock using the pointer in the weakref". <c>lock-through-referent</c> is
/// the design that comment prevents. Deviations: those of <see cref="PyWeakrefs"/>.
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
        "Objects/weakrefobject.c: PyObject_ClearWeakRefs, clear_weakref (\"lock using the pointer in the weakref\"), clear_weakref_lock_held, init_weakref, weakref_dealloc (read from a later copy)",
        "Include/internal/pycore_weakref.h: LOCK_WEAKREFS_FOR_WR; Include/cpython/weakrefobject.h: weakrefs_lock",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("cpython-3.13",
            "As 3.13: the weakref's dealloc locks the stripe kept in the weakref (weakrefs_lock), whatever wr_object holds.",
            Expectation.Clean, ModelConfig.Cpython313),
        new("lock-through-referent",
            "clear_weakref finds the stripe through wr_object, so a weakref the referent's dealloc has just cleared (Py_None) is freed without it while PyObject_ClearWeakRefs still writes it; the design clear_weakref's comment prevents.",
            Expectation.Bug("use after free"),
            ModelConfig.Cpython313 with { Weakrefs = WeakrefDesign.Cpython313 with { LocksThroughWeakref = false } }),
        new("no-striped-lock",
            "The default build's clearing with the GIL disabled: the two deallocs unlink the same list at once.",
            Expectation.Bug("memory error"),
            ModelConfig.Cpython313 with { Weakrefs = WeakrefDesign.Cpython313 with { StripedLocks = false } }),
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
