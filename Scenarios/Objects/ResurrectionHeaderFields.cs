using Sim.Model.CriticalSections;
using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Objects;

/// <summary>
/// An object resurrected by its finalizer while another thread already uses it (gh-113750, the seed "Fix object
/// resurrection on free-threaded builds: This avoids the undesired re-initializing of fields like ob_gc_bits, ob_mutex,
/// and ob_tid when an object is resurrected due to its finalizer being called"). The main thread drops the last reference
/// to O; O's <c>__del__</c> appends O to a global list G, so O lives on. A reader that finds O in G takes O's critical
/// section to update it, as the main thread does next. Restoring only the count keeps the reader's lock in
/// <c>ob_mutex</c>; re-initialising the header as for a new object, as before the fix, zeroes <c>ob_mutex</c> under the
/// reader, and two threads are in O's critical section at once (or one unlocks a mutex that is not locked); or the
/// reader's decrement of <c>ob_ref_shared</c> lands between the re-initialisation's read of the count and its plain store
/// of 0, is lost, and O leaks.
/// </summary>
/// <remarks>
/// Deviations: O's protected field is the first word of its body; <c>__del__</c> resurrects O the first time only (with the
/// old design the FINALIZED bit is lost too, and a second run would append O to a list being deallocated).
/// </remarks>
[Scenario("resurrection-header-fields")]
public sealed class ResurrectionHeaderFields : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A finalizer resurrects an object that another thread then locks: resurrection must not re-initialise ob_mutex, ob_tid or ob_gc_bits (gh-113750).";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-113750: fix object resurrection on free-threaded builds (restore the refcount only)",
        "Objects/object.c: PyObject_CallFinalizerFromDealloc, PyObject_CallFinalizer, _Py_ResurrectReference, _PyObject_ResurrectEndSlow (3.13)",
        "Include/internal/pycore_object.h: _PyObject_ResurrectStart, _PyObject_ResurrectEnd, new_reference (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("cpython-3.13", "gh-113750: a resurrected object gets its reference count back and keeps ob_tid, ob_mutex and ob_gc_bits.",
            Expectation.Clean, ModelConfig.Cpython313),
        new("reinit-header",
            "Before gh-113750: _Py_NewReferenceNoTotal re-initialises the resurrected object's header, zeroing ob_mutex while the reader holds O's critical section.",
            Expectation.BugAnyOf("two threads in O's critical section", "that is not locked", "leak: O", "use after free"),
            ModelConfig.Cpython313 with { Resurrection = ResurrectionDesign.ReinitializeHeader }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var lists = new PyListObject(interp);
        var g = lists.New("G");
        var resurrected = false;
        var type = new PyTypeObject("Resurrector", 48, isGc: true, finalize: self =>
        {
            if (!resurrected)
            {
                resurrected = true;
                interp.Refcount.IncRef(self);
                lists.Append(g, self); // __del__: G.append(self)
            }
        });
        var o = interp.Objects.New(type, "O");
        interp.Mimalloc.Checker.Body(o).StoreInt(0, 0, field: "O.field");

        var reader = PythonThread.Start(runtime, interp, "reader", tstate =>
        {
            for (var k = 0; k < 3; k++)
            {
                if (lists.GetItemRef(g, 0) is { } item)
                {
                    Update(runtime, interp, tstate, item);
                    interp.Refcount.DecRef(item);
                    return;
                }

                tstate.CheckPeriodic();
            }
        });

        interp.Refcount.DecRef(o); // the last reference: tp_dealloc runs __del__, which resurrects O
        if (lists.GetItemRef(g, 0) is { } again)
        {
            Update(runtime, interp, interp.MainThreadState, again);
            interp.Refcount.DecRef(again);
        }

        PythonThread.JoinAll(interp, reader);
        interp.Refcount.DecRef(g); // drops O for good: FINALIZED, so __del__ does not run again
        interp.CheckNoLeaks();
    }

    /// <summary>In O's critical section, writes the thread's id into O's field and checks that it is still there.</summary>
    private static void Update(SimRuntime runtime, PyInterpreterState interp, PyThreadState tstate, PyObjectPtr o)
    {
        var body = interp.Mimalloc.Checker.Body(o);
        using (CriticalSection.Begin(tstate, o))
        {
            var me = runtime.CurrentThread.Id;
            body.StoreInt(0, me, field: "O.field");
            var seen = body.LoadInt(0, field: "O.field");
            runtime.Check(seen == me, $"two threads in O's critical section: {runtime.CurrentThread} wrote O.field and read back T{seen}'s value");
        }
    }
}
