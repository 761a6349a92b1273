using Sim.Model.CriticalSections;
using Sim.Model.Gc;
using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Gc;

/// <summary>
/// An object of a garbage cycle resurrected by its finalizer while the collector runs (gh-113750's fields on the
/// collector's path: <c>finalize_garbage</c>, <c>handle_resurrected_objects</c>, <c>Python/gc_free_threading.c</c>, 3.13).
/// a ↔ b is garbage; a's <c>__del__</c> appends a to a global list G, once. The collector runs it with the world started;
/// a reader that finds a in G takes a's critical section to update it and drops its reference. The collector then stops
/// the world, finds a (and b, which a reaches) resurrected, and must give them back a usable header: <c>ob_ref_local</c>,
/// which it used as scratch, back to 0, <c>ob_tid</c>, which held the worklist's link, back to 0, and the worklist's
/// reference dropped with the counts merged. Later G is dropped and a second collection frees the cycle. Leaving the
/// scratch count and the link in place makes a look referenced forever (a leak) and owned by no thread with an
/// <c>ob_tid</c> that is not 0 (the next collection's check).
/// </summary>
[Scenario("gc-resurrection-header-fields")]
public sealed class ResurrectionInCollection : Scenario<GcDesign>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A finalizer run by the collector resurrects a cycle that another thread then uses: the collector restores ob_ref_local and ob_tid of resurrected objects.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-113750: fix object resurrection on free-threaded builds (do not re-initialise ob_tid, ob_ref_local, ob_mutex, ob_gc_bits)",
        "Python/gc_free_threading.c: finalize_garbage, handle_resurrected_objects (\"restore ob_ref_local\", merge_refcount(op, -1)), worklist_remove (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<GcDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "Resurrected objects get ob_ref_local 0, ob_tid 0 and a merged count without the worklist's reference.",
            Expectation.Clean, GcDesign.Cpython313),
        new("scratch-left",
            "Resurrected objects leave the worklist with the collector's scratch count in ob_ref_local and the worklist link in ob_tid.",
            Expectation.BugAnyOf("leak", "ob_tid == 0", "gc:"),
            GcDesign.Cpython313 with { Resurrected = ResurrectedHeader.LeaveScratch }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, GcDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Gc = design });
        var gc = interp.Gc.Objects;
        var lists = new PyListObject(interp);
        var g = lists.New("G");
        var resurrected = false;
        var node = gc.NewType("Phoenix", 1, finalize: self =>
        {
            if (!resurrected)
            {
                resurrected = true;
                interp.Refcount.IncRef(self);
                lists.Append(g, self); // __del__: G.append(self)
            }
        });
        var a = gc.New(node, "a");
        var b = gc.New(node, "b");
        gc.SetSlot(a, 0, b);
        interp.Refcount.IncRef(a);
        gc.SetSlot(b, 0, a); // a <-> b; the main thread keeps its reference to a

        var reader = PythonThread.Start(runtime, interp, "reader", t =>
        {
            for (var k = 0; k < 3; k++)
            {
                if (lists.GetItemRef(g, 0) is { } item)
                {
                    Update(runtime, interp, t, item);
                    interp.Refcount.DecRef(item);
                    return;
                }

                t.CheckPeriodic();
            }
        });

        interp.Refcount.DecRef(a); // a <-> b is garbage
        interp.Gc.Collect(interp.MainThreadState); // __del__ resurrects a, and b with it
        PythonThread.JoinAll(interp, reader);
        runtime.Check(!a.IsStale && !b.IsStale, "a resurrected object was freed");
        interp.Refcount.DecRef(g); // a <-> b is garbage again
        interp.Gc.Collect(interp.MainThreadState); // FINALIZED: __del__ does not run again
        interp.CheckNoLeaks();
    }

    /// <summary>In a's critical section, writes the thread's id into a plain field of a (body word 1, after its member) and reads it back.</summary>
    private static void Update(SimRuntime runtime, PyInterpreterState interp, PyThreadState tstate, PyObjectPtr o)
    {
        var body = interp.Mimalloc.Checker.Body(o);
        using (CriticalSection.Begin(tstate, o))
        {
            var me = runtime.CurrentThread.Id;
            body.StoreInt(1, me, field: $"{o}.m1");
            var seen = body.LoadInt(1, field: $"{o}.m1");
            runtime.Check(seen == me, $"two threads in {o}'s critical section: {runtime.CurrentThread} wrote {o}.m1 and read back T{seen}'s value");
        }
    }
}
