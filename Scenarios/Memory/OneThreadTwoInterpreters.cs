using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// One OS thread running in two interpreters, with a thread state in each (gh-112532, seed "Use separate mimalloc heaps
/// for GC objects": "<c>mi_heap_t</c> and <c>mi_tld_t</c> initialization is split from allocation. This allows us to have a
/// <c>mi_tld_t</c> per-<c>PyThreadState</c>, which is important to keep interpreter isolation, since the same OS thread may
/// run in multiple interpreters (using different PyThreadStates.)"). The main OS thread creates a sub-interpreter and then
/// alternates between the two with <c>PyThreadState_Swap</c>, allocating and freeing an object in each, while a thread of
/// each interpreter allocates too (the sub-interpreter's keeps an object alive past its exit, so its page is abandoned to
/// the sub-interpreter's pool and may be reclaimed by the main OS thread's sub-interpreter state). Invariant, checked at
/// every allocation, abandoned-page check and reclaim: a page of one interpreter never serves, or joins a heap of, another.
/// </summary>
/// <remarks>
/// The <c>use_main_obmalloc</c> variant shows that the switch does not touch mimalloc's state in the free-threaded build
/// (<c>_PyMem_init_obmalloc</c> shares only pymalloc's state). Deviations: see <c>docs/interpreters.md</c>.
/// </remarks>
[Scenario("one-thread-two-interpreters")]
public sealed class OneThreadTwoInterpreters : Scenario<InterpreterPairDesign>
{
    /// <inheritdoc/>
    public override string Summary =>
        "One OS thread allocates in two interpreters through two thread states while each interpreter's threads allocate: no page serves both interpreters.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-112532: use separate mimalloc heaps for GC objects (mi_tld_t per PyThreadState); isolate abandoned segments by interpreter",
        "Python/pystate.c: tstate_mimalloc_bind, PyThreadState_Swap (3.13); Objects/obmalloc.c: _PyObject_MiMalloc, _PyMem_init_obmalloc",
        "Python/pylifecycle.c: Py_NewInterpreterFromConfig, init_interp_settings (use_main_obmalloc, check_multi_interp_extensions)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<InterpreterPairDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "An isolated sub-interpreter (_PyInterpreterConfig_INIT); every thread state has its own heaps and tld.",
            Expectation.Clean, new(ModelConfig.Cpython313, PyInterpreterConfig.Isolated)),
        new("cpython-3.13-use-main-obmalloc",
            "A sub-interpreter with use_main_obmalloc = 1: it shares the main interpreter's pymalloc state, which the free-threaded build does not allocate from; mimalloc's heaps and pool stay its own.",
            Expectation.Clean, new(ModelConfig.Cpython313, PyInterpreterConfig.SharedObmalloc)),
        new("heap-per-os-thread",
            "mimalloc before gh-112532: the heaps and tld are the OS thread's, so the main OS thread allocates the sub-interpreter's objects from the pages of its main-interpreter heaps.",
            Expectation.Bug("isolation"),
            new(ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { ThreadHeaps = ThreadHeapScope.PerOsThread } }, PyInterpreterConfig.Isolated)),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, InterpreterPairDesign design)
    {
        ArgumentNullException.ThrowIfNull(design);
        var main = new PyInterpreterState(runtime, design.Config);
        var sub = PyInterpreterState.NewSubinterpreter(main, design.Config, design.Settings); // the main OS thread now runs in sub
        var intType = new PyTypeObject("int", 32);
        var kept = new AtomicRef<PyObjectPtr>(runtime, "kept");
        main.MainThreadState.Swap();

        var subWorker = PythonThread.Start(runtime, sub, "sub-worker", _ => kept.Store(sub.Objects.New(intType, "sub-object"), MemoryOrder.Release));
        var mainWorker = PythonThread.Start(runtime, main, "main-worker", tstate => AllocateAndFree(main, tstate, intType, "main-worker-object"));
        for (var k = 0; k < 2; k++)
        {
            sub.MainThreadState.Swap();
            AllocateAndFree(sub, sub.MainThreadState, intType, $"sub-main{k}");
            main.MainThreadState.Swap();
            AllocateAndFree(main, main.MainThreadState, intType, $"main-main{k}");
        }

        PythonThread.JoinAll(main, subWorker, mainWorker);
        sub.MainThreadState.Swap();
        sub.Refcount.DecRef(kept.Load(MemoryOrder.Acquire)!);
        main.MainThreadState.Swap();
        main.CheckNoLeaks();
        sub.CheckNoLeaks();
    }

    private static void AllocateAndFree(PyInterpreterState interp, PyThreadState tstate, PyTypeObject type, string label)
    {
        var o = interp.Objects.New(type, label);
        tstate.CheckPeriodic();
        interp.Refcount.DecRef(o);
    }
}

/// <summary>The design of <see cref="OneThreadTwoInterpreters"/>.</summary>
/// <param name="Config">The model's configuration (both interpreters).</param>
/// <param name="Settings">The sub-interpreter's settings.</param>
public sealed record InterpreterPairDesign(ModelConfig Config, PyInterpreterConfig Settings);
