using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Objects.Weakrefs;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Objects;

/// <summary>
/// A thread dereferences a weakref (<c>PyWeakref_GetRef</c>) while the referent's owner drops its last reference, then
/// creates another object of the same type, which may reuse the referent's block, and weakly references it too
/// (gh-111926, the seed "Most mutable data is protected by a striped lock that is keyed on the referenced object's
/// address"). The reader must get the referent, alive, or NULL, and NULL only once the owner has begun to drop it.
/// 3.13's <c>_PyWeakref_GET_REF</c> re-checks <c>wr_object</c> under the referent's stripe (the referent's dealloc
/// clears its weakrefs under the same stripe before freeing it) and takes its reference with <c>_Py_TryIncref</c>, which
/// refuses a merged count of zero; <c>init_weakref</c> sets MAYBE_WEAKREF on the referent, so that a thread that does not
/// own it can take that reference at all.
/// </summary>
/// <remarks>Deviations: those of <see cref="PyWeakrefs"/>.</remarks>
[Scenario("weakref-get-ref-last-decref")]
public sealed class WeakrefGetRefLastDecref : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "PyWeakref_GetRef races the referent's last Py_DECREF and the reuse of its block: the reader gets the referent, alive, or NULL once it is dying.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-111926: make weakrefs thread-safe in the free-threaded build (the striped weakref_locks, the hash under the weakref's lock)",
        "Include/internal/pycore_weakref.h: _PyWeakref_GET_REF, LOCK_WEAKREFS, WEAKREF_LIST_LOCK (3.13; read from a later copy)",
        "Objects/weakrefobject.c: init_weakref (_PyObject_SetMaybeWeakref), PyObject_ClearWeakRefs, clear_weakref_lock_held (3.13)",
        "Include/internal/pycore_object.h: _Py_TryIncref, _Py_TryIncRefShared (refuses 0 and MERGED with a count of zero) (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("cpython-3.13", "_PyWeakref_GET_REF re-checks wr_object under the stripe, then _Py_TryIncref; clearing holds the stripe.",
            Expectation.Clean, ModelConfig.Cpython313),
        new("plain-incref",
            "The default build's _PyWeakref_GET_REF with the GIL disabled: _is_dead (Py_REFCNT == 0), then Py_NewRef, with no lock: the increment can land on a dying or freed referent.",
            Expectation.Bug("memory error"), ModelConfig.Cpython313 with { Weakrefs = WeakrefDesign.DefaultBuildWithoutGil }),
        new("no-striped-lock",
            "_Py_TryIncref, but no striped lock around the re-check or the clearing: the referent can be cleared, freed and its block reused between the re-check and the increment.",
            Expectation.BugAnyOf("PyWeakref_GetRef returned", "memory error"),
            ModelConfig.Cpython313 with { Weakrefs = WeakrefDesign.Cpython313 with { StripedLocks = false } }),
        new("no-maybe-weakref",
            "init_weakref does not set MAYBE_WEAKREF: _Py_TryIncRefShared refuses the shared count of 0 that the owner may free without a CAS, so another thread sees a live referent as dead.",
            Expectation.Bug("returned NULL for a referent that was still alive"),
            ModelConfig.Cpython313 with { Weakrefs = WeakrefDesign.Cpython313 with { SetsMaybeWeakref = false } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var weakrefs = interp.Weakrefs;
        var type = new PyTypeObject("C", PyTypeObject.HeaderSize + 8) { WeaklistWord = 0 };
        var obj = interp.Objects.GenericAlloc(type, "obj");
        var wr = weakrefs.NewRef(obj);
        var dropping = false;
        var reader = PythonThread.Start(runtime, interp, "reader", _ =>
        {
            var got = weakrefs.GetRef(wr);
            runtime.Check(got is not null || Volatile.Read(ref dropping), "PyWeakref_GetRef returned NULL for a referent that was still alive");
            if (got is not null)
            {
                runtime.Check(ReferenceEquals(got, obj), $"PyWeakref_GetRef returned {got}, not obj");
                interp.Objects.Header(got).LoadGcBits(); // uses it
                interp.Refcount.DecRef(got);
            }
        });

        interp.Refcount.DecRef(weakrefs.GetRef(wr)!); // the owner uses it once more
        Volatile.Write(ref dropping, true);
        interp.Refcount.DecRef(obj);
        var next = interp.Objects.GenericAlloc(type, "next");
        var wrNext = weakrefs.NewRef(next);
        PythonThread.JoinAll(interp, reader);
        interp.Refcount.DecRef(next);
        interp.Refcount.DecRef(wrNext.Ptr);
        interp.Refcount.DecRef(wr.Ptr);
        interp.CheckNoLeaks();
    }
}
