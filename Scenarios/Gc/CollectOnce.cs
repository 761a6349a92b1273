using Sim.Model.Gc;
using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Gc;

/// <summary>
/// Scheduling a collection from the allocation count (<c>record_allocation</c>, <c>_Py_ScheduleGC</c>,
/// <c>_PY_GC_SCHEDULED_BIT</c>, <c>_Py_RunGC</c>, <c>gc_collect_main</c>; <c>Python/gc_free_threading.c</c> and
/// <c>Python/ceval_gil.c</c>, 3.13). Two threads allocate past the collection threshold; the thread whose flush crosses it
/// schedules a collection on itself, which runs at its next eval-breaker check. Both may do so; <c>collecting</c> must keep
/// the collections apart, and at least one must run.
/// </summary>
/// <remarks>Deviation: the collection's own work is not modelled (<see cref="GcState"/>).</remarks>
[Scenario("gc-collect-once")]
public sealed class CollectOnce : Scenario<GcDesign>
{
    private const int PerThread = (2 * GcState.LocalAllocCountThreshold) + 8;

    /// <inheritdoc/>
    public override string Summary => "Two threads cross the GC threshold and each schedules a collection on itself: collections never overlap, and one runs.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Python/gc_free_threading.c: record_allocation, gc_should_collect, _Py_ScheduleGC, gc_collect_main (3.13)",
        "Python/ceval_gil.c: _Py_HandlePending, _PY_GC_SCHEDULED_BIT (3.13)",
        "Modules/gcmodule.c (3.12): gc_collect_main's plain check and set of gcstate->collecting",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<GcDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "collecting is claimed with a compare-and-exchange; the loser returns.", Expectation.Clean, GcDesign.Cpython313),
        new("collecting-check-then-set", "The default build's check, then set, of collecting (atomic only under the GIL), run without it.",
            Expectation.Bug("two collections at once"), GcDesign.Cpython313 with { Collecting = CollectingClaim.CheckThenSet }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, GcDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Gc = design });
        interp.Gc.Threshold = 1000; // gc.set_threshold(1000)
        var workers = Enumerable.Range(0, 2).Select(i => PythonThread.Start(runtime, interp, $"alloc{i}", t =>
        {
            for (var n = 0; n < PerThread; n++)
            {
                interp.Gc.RecordAllocation(t); // _PyObject_GC_Link
            }

            t.CheckPeriodic(); // runs the collection this thread scheduled, if any
        })).ToArray();
        PythonThread.JoinAll(interp, workers);
        runtime.Check(interp.Gc.CollectionsForCheck >= 1, $"{2 * PerThread} allocations with a threshold of 1000 and no collection ran");
    }
}
