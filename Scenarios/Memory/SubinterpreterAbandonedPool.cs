using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// Interpreter isolation of the abandoned pool (gh-112532, seed "Isolate abandoned segments by interpreter": "We want
/// heaps to only store Python objects from a single interpreter. Absent this change, the abandoning and reclaiming
/// process could break this isolation."). The main OS thread creates a sub-interpreter (<c>Py_NewInterpreterFromConfig</c>)
/// and so runs in two interpreters, switching with <c>PyThreadState_Swap</c>. A thread of the sub-interpreter leaves a live
/// object and exits, abandoning its segment; a thread of the main interpreter allocates objects and has no segment of its
/// own, so it tries to reclaim an abandoned one. Invariant, checked as it happens: no segment or page of one interpreter
/// joins another's heaps.
/// </summary>
/// <remarks>
/// Deviations: each interpreter has its own arena and
/// <c>HEAD_LOCK</c> (<c>_PyRuntime</c> is not modelled); <c>use_main_obmalloc</c> is not modelled.
/// </remarks>
[Scenario("subinterpreter-abandoned-pool")]
public sealed class SubinterpreterAbandonedPool : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A sub-interpreter's exited thread abandons a page with a live object; a main-interpreter thread that needs a page must not reclaim it.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-112532: isolate abandoned segments by interpreter (interp->mimalloc.abandoned_pool)",
        "Python/pystate.c: tstate_mimalloc_bind sets tld->segments.abandoned to the interpreter's pool (3.13)",
        "Python/pylifecycle.c: Py_NewInterpreterFromConfig; Python/pystate.c: PyThreadState_Swap (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        .. QsbrVariants.Cpython313("Each interpreter has its own abandoned pool: a thread reclaims only its own interpreter's pages.", "empty pages are freed"),
        new("process-wide-pool",
            "mimalloc's process-wide abandoned list, before gh-112532: the main interpreter's thread reclaims the sub-interpreter's page into its own heap.",
            Expectation.Bug("isolation"), ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { AbandonedPool = AbandonedPoolScope.ProcessWide } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var main = new PyInterpreterState(runtime, design);
        var sub = PyInterpreterState.NewSubinterpreter(main, design); // the main OS thread now runs in sub
        var intType = new PyTypeObject("int", 32);
        var kept = new AtomicRef<PyObjectPtr>(runtime, "kept");
        main.MainThreadState.Swap(); // back to the main interpreter

        var subWorker = PythonThread.Start(runtime, sub, "sub-worker", _ => kept.Store(sub.Objects.New(intType, "sub-object"), MemoryOrder.Release));
        var mainWorker = PythonThread.Start(runtime, main, "main-worker", tstate =>
        {
            for (var k = 0; k < 2; k++)
            {
                var o = main.Objects.New(intType, $"main-object{k}"); // a fresh OBJECT page: may try to reclaim an abandoned one
                tstate.CheckPeriodic();
                main.Refcount.DecRef(o);
            }
        });
        PythonThread.JoinAll(main, subWorker, mainWorker);

        // The main OS thread enters the sub-interpreter to drop the object its exited thread left, then returns.
        sub.MainThreadState.Swap();
        sub.Refcount.DecRef(kept.Load(MemoryOrder.Acquire)!);
        main.MainThreadState.Swap();
        main.CheckNoLeaks();
        sub.CheckNoLeaks();
    }
}
