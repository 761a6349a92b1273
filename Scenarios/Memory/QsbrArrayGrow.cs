using Sim.Model.Interpreter;
using Sim.Model.Qsbr;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// QSBR's thread array grows while another thread scans it (<c>_Py_qsbr_reserve</c>, <c>grow_thread_array</c>,
/// <c>qsbr_poll_scan</c>, <c>Python/qsbr.c</c>). A poller frees buffers with <c>_PyMem_FreeDelayed</c> and processes its queue
/// at each periodic check, so <c>_Py_qsbr_poll</c> scans every thread's <c>seq</c> in the array and its own quiescent states
/// write its <c>seq</c> there; meanwhile a new thread registers, finds the array full, and replaces it with one twice its
/// size, freeing the old one (<c>PyMem_RawFree</c>). The array is raw memory the checker watches: a scan of the old
/// array, or a <c>seq</c> write through a <c>tstate-&gt;qsbr</c> that still points into it, after the free is a use after free.
/// </summary>
/// <remarks>
/// Model sizes (a question of when, not whether): the first array has 2 slots (<see cref="QsbrDesign.MinArraySize"/>; 8 in
/// CPython), so the third thread state grows it, and goals advance at every deferral with the queue processed at every
/// periodic check (<see cref="QsbrDesign.EagerReclaim"/>), so the poller scans at each check. Deviations: see
/// <c>docs/qsbr-mimalloc.md</c>, "QSBR's thread array".
/// </remarks>
[Scenario("qsbr-array-grow")]
public sealed class QsbrArrayGrow : Scenario<ModelConfig>
{
    private static readonly ModelConfig Small = ModelConfig.Cpython313 with { Qsbr = QsbrDesign.EagerReclaim with { MinArraySize = 2 } };

    /// <inheritdoc/>
    public override string Summary =>
        "A thread registering with QSBR grows the full thread array while another thread scans it: the old array is freed only with the world stopped.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Python/qsbr.c: _Py_qsbr_reserve (stops the world to grow), grow_thread_array, initialize_new_array, qsbr_poll_scan, _Py_qsbr_unregister (3.13)",
        "Python/pystate.c: new_threadstate reserves the QSBR slot before HEAD_LOCK (3.13)",
        "Objects/obmalloc.c: PyMem_RawCalloc, PyMem_RawFree (the raw domain is malloc in every build)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("cpython-3.13",
            "CPython 3.13: the array grows under the shared mutex with the world stopped, so no thread is attached, scanning or writing its seq, when the old array is freed.",
            Expectation.Clean, Small),
        new("grow-under-mutex-only",
            "Broken: the array grows and the old one is freed under the mutex alone, while the poller may be scanning it or writing its seq through its old tstate->qsbr.",
            Expectation.BugAnyOf("use after free", "data race"),
            Small with { Qsbr = Small.Qsbr with { ArrayGrowth = ArrayGrowth.UnderMutexOnly } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var poller = PythonThread.Start(runtime, interp, "poller", tstate =>
        {
            for (var k = 0; k < 3; k++)
            {
                interp.DelayedFree.FreeDelayed(interp.Mem.Malloc(24, $"buffer{k}"));
                tstate.CheckPeriodic(); // QSBR_QUIESCENT_STATE, then _PyMem_ProcessDelayed: _Py_qsbr_poll scans the array
            }
        });
        var late = PythonThread.Start(runtime, interp, "late", tstate => tstate.CheckPeriodic()); // the third slot: grows the array
        PythonThread.JoinAll(interp, poller, late);
        interp.CheckNoLeaks();
    }
}
