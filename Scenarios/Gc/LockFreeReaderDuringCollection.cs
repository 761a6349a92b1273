using Sim.Model.Gc;
using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Gc;

/// <summary>
/// A lock-free reader races a collection while a writer unlinks the cycle it reads (<c>gc_collect_internal</c>,
/// <c>Python/gc_free_threading.c</c>; <c>PyMember_GetOne</c> with <c>_Py_TryIncrefCompare</c>, <c>Python/structmember.c</c>;
/// <c>PyObject_GC_Del</c> and <c>_PyObject_FreeDelayed</c>, 3.13). The main thread holds h, with h.m0 = a and a ↔ b; a's
/// inline values are shared (<c>_PyGC_BITS_SHARED_INLINE</c>), so its memory is freed through QSBR. A writer sets
/// h.m0 = None, which leaves a ↔ b as garbage; a reader takes h.m0 without a lock and then a's member b; the main thread
/// collects. The reader's references must keep a and b alive and intact (a.m0 is b) until it drops them. In 3.13 each of
/// the reader's and writer's operations happens between the collector's stopped phases, never during one: when the
/// collector counts, the reader either holds its reference (a survives) or cannot reach a any more. A collector that does
/// not stop the world, as the default build's relies on the GIL to do, counts a's references while h → a, and marks from
/// h after the writer unlinked a, while the reader took a in between: a is garbage to it, so it clears a under the
/// reader (a.m0 becomes NULL) and frees it.
/// </summary>
/// <remarks>
/// In 3.13 a shared object the collector frees goes through <c>_PyObject_FreeDelayed</c>, but no reader can reach it then
/// (readers reach the cycle only before a stop), so freeing it at once is not a reachable bug in this scenario: the delayed
/// free serves readers that reach the object's memory by other paths (a dict's inline values, not modelled here).
/// </remarks>
[Scenario("gc-lockfree-reader")]
public sealed class LockFreeReaderDuringCollection : Scenario<GcDesign>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A lock-free reader takes a member of a cycle that a writer unlinks while a third thread collects: the collector never clears what the reader holds.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-112529: Implement GC for free-threaded builds (stop-the-world, merge_refcount's plain stores)",
        "Python/gc_free_threading.c: gc_collect_internal, merge_refcount, scan_heap_visitor, delete_garbage, PyObject_GC_Del (3.13)",
        "Python/structmember.c: PyMember_GetOne with _Py_TryIncrefCompare (free-threaded, 3.13)",
        "Modules/gcmodule.c (3.12): the default build's collector, which relies on the GIL to keep other threads out",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<GcDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "The collector stops the world while it counts and marks; the reader and the writer run before or after each stop.", Expectation.Clean, GcDesign.Cpython313),
        new("gil-reliant-collector",
            "The default build's collector, which relies on the GIL, run without it: the reader takes a between the count and the mark, after the writer unlinked it.",
            Expectation.BugAnyOf("the collector cleared", "memory error", "negative refcount", "gc:", "leak"),
            GcDesign.Cpython313 with { World = CollectorWorld.RunningWorld }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, GcDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Gc = design });
        var gc = interp.Gc.Objects;
        var node = gc.NewType("Node", 1);
        var h = gc.New(node, "h");
        var a = gc.New(node, "a");
        var b = gc.New(node, "b");
        gc.SetSlot(a, 0, b); // a -> b (the new reference to b)
        interp.Refcount.IncRef(a);
        gc.SetSlot(b, 0, a); // b -> a
        gc.SetSlot(h, 0, a); // h -> a (the new reference to a)
        var ha = interp.Objects.Header(a);
        ha.StoreGcBits(ha.LoadGcBits() | PyGcBits.SharedInline); // another thread read a's inline values: _PyObject_GC_SET_SHARED_INLINE

        var writer = PythonThread.Start(runtime, interp, "writer", _ => gc.SetSlot(h, 0, null)); // h.m0 = None
        var reader = PythonThread.Start(runtime, interp, "reader", _ =>
        {
            if (gc.GetSlotRef(h, 0) is { } item) // item = h.m0, lock-free
            {
                var member = gc.GetSlotRef(item, 0); // item.m0, lock-free
                runtime.Check(member is not null, $"the collector cleared {item}, which the reader holds a reference to: {item}.m0 is NULL");
                interp.Refcount.XDecRef(member);
                interp.Refcount.DecRef(item);
            }
        });

        interp.Gc.Collect(interp.MainThreadState); // gc.collect()
        PythonThread.JoinAll(interp, writer, reader);
        interp.Gc.Collect(interp.MainThreadState); // frees the cycle if the reader's reference kept it alive the first time
        runtime.Check(b.IsStale, "the garbage cycle a <-> b survived two collections");
        interp.Refcount.DecRef(h);
        interp.CheckNoLeaks();
    }
}
