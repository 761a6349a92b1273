using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Threads;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// Biased reference counting while the owner exits (PEP 703; gh-110481; gh-119999). The owner creates an object and gives
/// a reference to each of two other threads; all three increment and decrement it concurrently, each drops its reference,
/// and the owner exits meanwhile (<c>PyThreadState_Clear</c>: <c>_Py_brc_remove_thread</c>). The non-owners' last
/// decrements take the shared count below zero and queue the object to the owner, or, once the owner has left the table,
/// merge it themselves. The object must be freed exactly once, when its true count reaches zero, never be written after
/// that, never have a negative count, and not leak.
/// </summary>
/// <remarks>
/// Deviation: objects are bare <c>object()</c>-like instances; the owner's references to give are its own increments
/// (<c>Py_NewRef</c>) before it starts the threads, as a thread's arguments are.
/// </remarks>
[Scenario("brc-owner-exit")]
public sealed class BrcOwnerExit : Scenario<RefcountDesign>
{
    /// <inheritdoc/>
    public override string Summary =>
        "Owner and two non-owners incref/decref one object while the owner exits: freed exactly once, at zero, never written after, no leak.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-110481 (PR #110764): biased reference counting",
        "gh-119999 (PR #120000): write ob_ref_local and ob_tid before merging the refcount",
        "Objects/object.c: _Py_DecRefShared, _Py_MergeZeroLocalRefcount, _Py_ExplicitMergeRefcount (3.13)",
        "Python/brc.c: _Py_brc_queue_object, _Py_brc_merge_refcounts, _Py_brc_remove_thread (3.13)",
        "Python/ceval_gil.c: _Py_HandlePending, _PY_EVAL_EXPLICIT_MERGE_BIT (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<RefcountDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "Biased reference counting as in CPython 3.13.0.", Expectation.Clean, RefcountDesign.Cpython313),
        new("fields-after-merge-gh-119999",
            "3.13 betas before gh-119999: a merge clears ob_ref_local and ob_tid after the CAS that marks the count MERGED, so a third thread's decref can free the object first and the merging thread writes into freed memory.",
            Expectation.Bug("use after free"), RefcountDesign.Cpython313 with { MergeFieldOrder = MergeFieldOrder.FieldsAfterMerge }),
        new("remove-thread-merge-then-unlink",
            "Broken: an exiting thread merges its queue, then takes the bucket lock again to leave the table; an object queued in between stays in the dead thread's queue: a leak (what the loop in _Py_brc_remove_thread prevents).",
            Expectation.Bug("leak"), RefcountDesign.Cpython313 with { RemoveThread = BrcRemoveThread.MergeThenUnlink }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, RefcountDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Refcount = design });
        var refs = interp.Refcount;
        var type = new PyTypeObject("object", PyTypeObject.HeaderSize);
        SimThread? first = null;
        SimThread? second = null;

        void NonOwner(PyThreadState tstate, PyObjectPtr o)
        {
            refs.IncRef(o);
            tstate.CheckPeriodic();
            refs.DecRef(o);
            refs.DecRef(o); // the reference the owner gave it
            tstate.CheckPeriodic();
        }

        var owner = PythonThread.Start(runtime, interp, "owner", tstate =>
        {
            var o = interp.Objects.New(type, "o");
            refs.IncRef(o);
            first = PythonThread.Start(runtime, interp, "nonowner1", t => NonOwner(t, o));
            refs.IncRef(o);
            second = PythonThread.Start(runtime, interp, "nonowner2", t => NonOwner(t, o));
            refs.IncRef(o);
            tstate.CheckPeriodic();
            refs.DecRef(o);
            refs.DecRef(o); // its own reference
            tstate.CheckPeriodic();
        });

        PythonThread.WhileDetached(interp, () =>
        {
            owner.Join();
            first!.Join();
            second!.Join();
        });
        interp.CheckNoLeaks();
    }
}
