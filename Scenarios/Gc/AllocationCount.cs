using Sim.Model.Gc;
using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Gc;

/// <summary>
/// The GC's allocation count (the seed "The GC keeps track of the number of allocations (less deallocations) since the last
/// GC. This buffers the count in thread-local state and uses atomic operations to modify the per-interpreter count";
/// <c>record_allocation</c>, <c>Python/gc_free_threading.c</c>, 3.13). Two threads allocate GC objects (more than
/// <c>LOCAL_ALLOC_COUNT_THRESHOLD</c> each, fewer than the collection threshold together); afterwards the interpreter's
/// count plus the threads' buffers must equal the allocations: no count is lost.
/// </summary>
/// <remarks>Deviation: the objects' memory is not modelled; each allocation is its <c>_PyObject_GC_Link</c> bookkeeping.</remarks>
[Scenario("gc-alloc-count")]
public sealed class AllocationCount : Scenario<GcDesign>
{
    private const int PerThread = GcState.LocalAllocCountThreshold + 8;

    /// <inheritdoc/>
    public override string Summary => "Two threads allocate concurrently: the GC's count plus the per-thread buffers equals the allocations.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "PR #114880 (gh-112175 series): buffer the GC allocation count per thread",
        "Python/gc_free_threading.c: record_allocation, LOCAL_ALLOC_COUNT_THRESHOLD (3.13)",
        "Modules/gcmodule.c, Python/gc.c (3.12): _PyObject_GC_Link's gcstate->generations[0].count++",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<GcDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "Per-thread buffers flushed every 512 with an atomic add.", Expectation.Clean, GcDesign.Cpython313),
        new("shared-plain-count", "The default build's count++ on every allocation, atomic only under the GIL, run without it.",
            Expectation.Bug("lost"), GcDesign.Cpython313 with { Counting = AllocationCounting.SharedPlainIncrement }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, GcDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Gc = design });
        var states = new PyThreadState?[2];
        var workers = Enumerable.Range(0, 2).Select(i => PythonThread.Start(runtime, interp, $"alloc{i}", t =>
        {
            states[i] = t;
            for (var n = 0; n < PerThread; n++)
            {
                interp.Gc.RecordAllocation(t); // _PyObject_GC_Link
            }
        })).ToArray();
        PythonThread.JoinAll(interp, workers);

        var counted = interp.Gc.Count.Peek() + states.Sum(t => t!.GcAllocCount);
        runtime.Check(counted == 2 * PerThread, $"allocations were lost: generations[0].count ({interp.Gc.Count.Peek()}) plus the buffers ({string.Join(", ", states.Select(t => t!.GcAllocCount))}) is {counted}, not {2 * PerThread}");
    }
}
