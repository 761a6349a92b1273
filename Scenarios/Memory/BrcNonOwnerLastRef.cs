using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Threads;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// A non-owner drops the last reference (PEP 703 "Biased Reference Counting"; gh-110481). The owner creates an object,
/// gives a reference to another thread and drops its own; the other thread increments and decrements it, then drops the
/// reference it was given, which is the last one: its decrement takes the shared count below zero, so it queues the
/// object to the owner, which merges and frees it at its next periodic check, or, if the owner has exited, merges and
/// frees it itself. The object must be freed exactly once, at zero, and not leak.
/// </summary>
[Scenario("brc-nonowner-last-ref")]
public sealed class BrcNonOwnerLastRef : Scenario<RefcountDesign>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A non-owner drops an object's last reference: it is queued to the owner (or merged if the owner exited) and freed exactly once.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-110481 (PR #110764): biased reference counting; PEP 703, Biased Reference Counting",
        "Objects/object.c: Py_DECREF, _Py_DecRefShared, _Py_ExplicitMergeRefcount (3.13)",
        "Python/brc.c: _Py_brc_queue_object, _Py_brc_merge_refcounts (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<RefcountDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "Biased reference counting as in CPython 3.13.0.", Expectation.Clean, RefcountDesign.Cpython313),
        new("nonowner-frees-at-zero-view",
            "Broken: a non-owner frees the object when the shared count its decrement leaves is zero, as if its view were the whole count, while the owner's local count still holds references.",
            Expectation.Bug("premature free"), RefcountDesign.Cpython313 with { NonOwnerDecref = NonOwnerDecref.FreeWhenSharedCountIsZero }),
        new("never-queue",
            "Broken: a non-owner's decrement always subtracts, letting the shared count go negative, and never asks the owner to merge; the last references sat in the owner's local count, so nobody sees the true count reach zero: a leak (what the queue exists for).",
            Expectation.Bug("leak"), RefcountDesign.Cpython313 with { NonOwnerDecref = NonOwnerDecref.NeverQueue }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, RefcountDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Refcount = design });
        var refs = interp.Refcount;
        var type = new PyTypeObject("object", PyTypeObject.HeaderSize);
        SimThread? nonOwner = null;

        var owner = PythonThread.Start(runtime, interp, "owner", tstate =>
        {
            var o = interp.Objects.New(type, "o");
            refs.IncRef(o); // the reference it gives the non-owner
            nonOwner = PythonThread.Start(runtime, interp, "nonowner", t =>
            {
                refs.IncRef(o);
                t.CheckPeriodic();
                refs.DecRef(o);
                refs.DecRef(o); // the last reference
                t.CheckPeriodic();
            });
            tstate.CheckPeriodic();
            refs.DecRef(o); // its own: what remains is the non-owner's, counted in ob_ref_local
            tstate.CheckPeriodic();
            tstate.CheckPeriodic();
        });

        PythonThread.WhileDetached(interp, () =>
        {
            owner.Join();
            nonOwner!.Join();
        });
        interp.CheckNoLeaks();
    }
}
