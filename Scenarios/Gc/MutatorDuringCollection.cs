using Sim.Model.Gc;
using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Gc;

/// <summary>
/// A thread allocates and frees GC objects while another collects (<c>gc_collect_internal</c>, <c>gc_visit_heaps</c>,
/// <c>Python/gc_free_threading.c</c>, 3.13; the seed "The <c>--disable-gil</c> builds occasionally need to pause all but one
/// thread ... Cyclic garbage collection"). The main thread holds r, with r → x → z through members; it drops a garbage
/// cycle a ↔ b and collects. A second thread sets r.m0 to a new node twice: the first store drops x (owned by the main
/// thread, so the drop is queued to it, and the collector may merge it), the second frees the mutator's own y0 at once.
/// The collector must free a and b, and must neither clear a reachable node nor read a freed one. In 3.13 the mutator
/// runs before or after each stopped phase, never during one (it is parked at its eval-breaker check or when it
/// detaches), so nothing is allocated or freed while the collector walks the heaps ("It is not safe to allocate or free
/// any mimalloc managed memory while this function is running"). A collector that relies on the GIL to keep mutators out,
/// as the default build's does, walks blocks the mutator frees, reuses or allocates meanwhile.
/// </summary>
/// <remarks>Deviation: the nodes are instances of a class with one <c>__slots__</c> member each (<see cref="GcObjects"/>).</remarks>
[Scenario("gc-mutator-during-collection")]
public sealed class MutatorDuringCollection : Scenario<GcDesign>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A thread allocates and frees GC objects while another collects: the collector never walks freed memory nor clears a reachable object (the world is stopped).";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-112529: Implement GC for free-threaded builds (stop-the-world, mimalloc heap walk)",
        "Python/gc_free_threading.c: gc_collect_internal, update_refs, mark_heap_visitor, scan_heap_visitor, gc_restore_tid (3.13)",
        "Modules/gcmodule.c (3.12): gc_collect_main, which relies on the GIL to keep other threads out",
        "Python/structmember.c: PyMember_GetOne, PyMember_SetOne (Py_T_OBJECT_EX, free-threaded, 3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<GcDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "The collector stops the world while it repurposes headers and walks the heaps.", Expectation.Clean, GcDesign.Cpython313),
        new("gil-reliant-collector",
            "The default build's collector, which relies on the GIL to keep other threads out, run without it: the mutator frees and allocates blocks during the walk.",
            Expectation.BugAnyOf("cleared a reachable", "gc:", "memory error", "negative refcount", "leak"),
            GcDesign.Cpython313 with { World = CollectorWorld.RunningWorld }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, GcDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Gc = design });
        var gc = interp.Gc.Objects;
        var node = gc.NewType("Node", 1);
        var r = gc.New(node, "r");
        var x = gc.New(node, "x");
        gc.SetSlot(x, 0, gc.New(node, "z"));
        gc.SetSlot(r, 0, x); // r -> x -> z
        var a = gc.New(node, "a");
        var b = gc.New(node, "b");
        interp.Refcount.IncRef(b);
        gc.SetSlot(a, 0, b);
        interp.Refcount.IncRef(a);
        gc.SetSlot(b, 0, a); // a <-> b

        var mutator = PythonThread.Start(runtime, interp, "mutator", _ =>
        {
            for (var k = 0; k < 2; k++)
            {
                gc.SetSlot(r, 0, gc.New(node, $"y{k}")); // r.m0 = Node(): drops x (queued to its owner), then y0 (freed)
            }
        });

        interp.Refcount.DecRef(a);
        interp.Refcount.DecRef(b);
        interp.Gc.Collect(interp.MainThreadState); // gc.collect()
        PythonThread.JoinAll(interp, mutator);

        runtime.Check(a.IsStale && b.IsStale, "the garbage cycle a <-> b survived gc.collect()");
        CheckChain(runtime, gc, r);
        interp.Refcount.DecRef(r); // frees the chain by reference counting
        interp.CheckNoLeaks();
    }

    /// <summary>Follows r's members: r → y1, y1's member unset.</summary>
    private static void CheckChain(SimRuntime runtime, GcObjects gc, PyObjectPtr r)
    {
        var names = new List<string>();
        var op = r;
        while (gc.Slot(op, 0).Load() is { } next)
        {
            names.Add(next.Name);
            op = next;
        }

        var chain = string.Join(" -> ", names);
        runtime.Check(chain == "y1", $"the collector cleared a reachable object: r's chain is r -> {chain}, not r -> y1");
    }
}
