using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.ThreadStates;

/// <summary>
/// Daemon threads at interpreter finalization (<c>Py_FinalizeEx</c>, <c>Python/pylifecycle.c</c>; seed "During interpreter
/// shutdown, to ensure that daemon threads aren't accessing Python objects"). Two daemon threads run while the main thread
/// finalizes: a worker uses a module-level object and makes blocking calls; a profiler pauses the interpreter
/// (<c>_PyEval_StopTheWorld</c>, as <c>sys.setprofile</c> on every thread or a collection does). An <c>atexit</c> callback
/// wakes the worker from its blocking call. After the daemon threads' states are removed and deleted, the main thread
/// collects once more and frees the object. No daemon thread may use an object or its own thread state once
/// finalization has freed it, and the final collection must not wait for a lock a daemon thread holds.
/// </summary>
/// <remarks>
/// <para>
/// CPython 3.13 (<c>cpython-3.13</c>) is expected to fail: exploration finds gh-124878's race. The worker passes
/// <c>_PyThreadState_MustExit</c> in <c>take_gil</c> (the runtime is not finalizing yet), then finalization removes and
/// frees its state (<c>_PyThreadState_DeleteList</c>), then the worker's attach writes to it. CPython 3.14's fix (PR
/// #130649: reference-counted thread states, <c>_Py_THREAD_SHUTTING_DOWN</c>, daemon threads hang) is
/// <c>shutting-down-3.14</c>, expected clean. Both include gh-137433's lock order.
/// </para>
/// <para>
/// Broken variants: <c>finalize-without-stop-the-world</c> does not pause the daemon threads before tearing down (the
/// default build relies on the GIL), so the worker runs on while its state is cleared and its object freed;
/// <c>lock-order-3.13.0</c> is gh-137433 itself: the profiler, blocked behind finalization's global stop while holding
/// its interpreter's stop-the-world mutex, never runs again, and the final collection deadlocks on that mutex.
/// </para>
/// </remarks>
[Scenario("daemon-thread-at-finalization")]
public sealed class DaemonThreadAtFinalization : Scenario<ModelConfig>
{
    private static readonly ModelConfig Fixed314 =
        ModelConfig.Cpython313 with { Lifecycle = LifecycleDesign.Cpython313 with { DaemonThreads = DaemonThreadsAtFinalization.HangWhenShuttingDown } };

    /// <inheritdoc/>
    public override string Summary => "Daemon threads never touch an object, or their own thread state, once finalization has freed it, and hold no lock the finalizing thread needs.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-124878 (PR #130649, 3.14): race conditions during interpreter finalization; reference-counted thread states, _Py_THREAD_SHUTTING_DOWN",
        "gh-124149: daemon threads are not forced to exit in the free-threaded build (they block in tstate_wait_attach)",
        "gh-137433 (PR #137735): deadlock with stop-the-world and daemon threads; stop_the_world's lock order",
        "Python/pylifecycle.c (3.13): Py_FinalizeEx (_PyEval_StopTheWorldAll, _PyRuntimeState_SetFinalizing, _PyThreadState_RemoveExcept, _PyEval_StartTheWorldAll, _PyThreadState_DeleteList)",
        "Python/ceval_gil.c (3.13): take_gil, _PyThreadState_MustExit",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("shutting-down-3.14", "CPython 3.14 (PR #130649): removed states are marked SHUTTING_DOWN and reference-counted; a daemon thread that attaches hangs, and its state lives until it lets go.",
            Expectation.Clean, Fixed314),
        new("cpython-3.13", "CPython 3.13: a daemon thread between take_gil's _PyThreadState_MustExit check and its attach writes to a state _PyThreadState_DeleteList has freed (gh-124878).",
            Expectation.Bug("on a freed thread state"), ModelConfig.Cpython313),
        new("finalize-without-stop-the-world", "Broken: Py_FinalizeEx does not stop the world first; the daemon worker runs on while its state is cleared and its object freed.",
            Expectation.BugAnyOf("use after free", "on a freed thread state", "ran Python code while its state was", "Livelock"),
            Fixed314 with { Lifecycle = Fixed314.Lifecycle with { Finalization = PauseProtocol.None } }),
        new("lock-order-3.13.0", "CPython 3.13.0's stop_the_world lock order (gh-137433): the profiler holds its interpreter's stop-the-world mutex while blocked behind finalization, and the final collection deadlocks on it.",
            Expectation.Bug("parked on interp.stoptheworld.mutex"),
            Fixed314 with { ThreadStates = ThreadStateDesign.Cpython313 with { LockOrder = StopTheWorldLockOrder.PerKindMutexFirst } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig config)
    {
        var interp = new PyInterpreterState(runtime, config);
        var threading = ThreadingModule.Import(interp);
        var o = interp.Objects.New(new PyTypeObject("object", PyTypeObject.HeaderSize), "module.o");
        var wakeup = new ThreadLock(runtime, "wakeup", config.Locks);
        wakeup.Acquire();

        threading.NewThread("worker", () =>
        {
            var tstate = interp.CurrentThreadState;
            for (;;)
            {
                interp.Refcount.IncRef(o); // Python code uses the module's object
                interp.Refcount.DecRef(o);
                wakeup.Acquire(); // a blocking call (detached): the atexit callback releases it once
                tstate.CheckPeriodic();
            }
        }, daemon: true).Start();

        threading.NewThread("profiler", () =>
        {
            interp.StopTheWorld(); // sys.setprofile on every thread: _PyEval_StopTheWorld(interp)
            interp.StartTheWorld();
            interp.CurrentThreadState.CheckPeriodic();
        }, daemon: true).Start();

        interp.AtExit.Register(wakeup.Release);
        interp.RuntimeState.FinalizeEx(finalizeModules: () =>
        {
            interp.StopTheWorld(); // _PyGC_CollectNoFail: the last collection
            interp.StartTheWorld();
            interp.Refcount.DecRef(o); // finalize_modules: the module's reference to o goes
        });
    }
}
