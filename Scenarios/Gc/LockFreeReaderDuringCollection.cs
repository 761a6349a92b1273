using Sim.Model.Gc;
using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Gc;

/// <summary>
/// A lock-free reader races a collection that frees a cycle containing the object it reads (<c>gc_collect_internal</c>,
/// <c>Python/gc_free_threading.c</c>; <c>PyMember_GetOne</c> with <c>_Py_TryIncrefCompare</c>, <c>Python/structmember.c</c>;
/// <c>PyObject_GC_Del</c> and <c>_PyObject_FreeDelayed</c>, 3.13). The main thread holds h, with h.m0 = a and a ↔ b; a's
/// inline values are shared (<c>_PyGC_BITS_SHARED_INLINE</c>), so its memory is freed through QSBR. A reader reads h.m0
/// without a lock, then a's member, a few times. The main thread sets h.m0 = None, which leaves a ↔ b as garbage, and
/// collects. In 3.13 the reader's load and conditional increment happen between the collector's stopped phases, never
/// during one: it either holds a reference when the collector counts (a survives this collection) or finds h.m0 empty.
/// A collector that does not stop the world, as the default build's relies on the GIL to do, merges a's count with a plain
/// store while the reader's compare-and-swap increments or decrements it: a count is lost, and a is freed under a
/// reference or never freed.
/// </summary>
/// <remarks>
/// In 3.13 a shared object that the collector frees goes through <c>_PyObject_FreeDelayed</c>; no reader can reach it then
/// (it reached the object only before the stop), so freeing it at once is not a reachable bug here: the delayed free
/// serves readers that reach the object by other paths (a dict's inline values), not modelled.
/// </remarks>
[Scenario("gc-lockfree-reader")]
public sealed class LockFreeReaderDuringCollection : Scenario<GcDesign>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A lock-free reader takes a member of a cycle that another thread drops and collects: no count is lost, the cycle is freed once.";

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
        new("cpython-3.13", "The collector stops the world while it merges counts; the reader's increments land before or after.", Expectation.Clean, GcDesign.Cpython313),
        new("gil-reliant-collector",
            "The default build's collector, which relies on the GIL, run without it: the reader's atomic increments race the collector's plain stores to ob_ref_shared.",
            Expectation.BugAnyOf("memory error", "negative refcount", "gc:", "leak"),
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

        var reader = PythonThread.Start(runtime, interp, "reader", t =>
        {
            for (var k = 0; k < 2; k++)
            {
                if (gc.GetSlotRef(h, 0) is { } item) // h.m0, lock-free
                {
                    interp.Refcount.XDecRef(gc.GetSlotRef(item, 0)); // item.m0
                    interp.Refcount.DecRef(item);
                }

                t.CheckPeriodic();
            }
        });

        gc.SetSlot(h, 0, null); // h.m0 = None: a <-> b is garbage
        interp.Gc.Collect(interp.MainThreadState); // gc.collect()
        PythonThread.JoinAll(interp, reader);
        interp.Gc.Collect(interp.MainThreadState); // frees the cycle if the reader's reference kept it alive the first time
        runtime.Check(b.IsStale, "the garbage cycle a <-> b survived two collections");
        interp.Refcount.DecRef(h);
        interp.CheckNoLeaks();
    }
}
