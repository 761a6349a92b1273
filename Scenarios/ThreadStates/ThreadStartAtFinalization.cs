using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.ThreadStates;

/// <summary>
/// Starting a thread while the interpreter finalizes (PR #115352, gh-114570: <c>PythonFinalizationError</c>; gh-104690;
/// gh-108987). A daemon thread keeps a thread-local whose destructor starts a thread (<c>threading.Thread.start()</c>,
/// which waits until the new thread runs). Depending on the schedule the destructor runs on the daemon thread, which
/// exits on its own before finalization (the start is allowed and the thread runs), or on the main thread, when
/// <c>Py_FinalizeEx</c> deletes the daemon's state (<c>_PyThreadState_DeleteList</c>) after the runtime is marked
/// finalizing. There, 3.13's <c>do_start_new_thread</c> raises <c>PythonFinalizationError</c>, which the destructor
/// reports as unraisable. Finalization must complete.
/// </summary>
/// <remarks>
/// The broken variant <c>start-during-finalization</c> starts the thread anyway, as before gh-104690: the new thread's
/// <c>thread_run</c> finds the runtime finalizing and exits without running (gh-108987), so <c>Thread.start()</c> waits
/// forever for it and the interpreter never finishes exiting.
/// </remarks>
[Scenario("thread-start-at-finalization")]
public sealed class ThreadStartAtFinalization : Scenario<LifecycleDesign>
{
    /// <inheritdoc/>
    public override string Summary => "A thread started during finalization is refused with PythonFinalizationError, so finalization never waits for a thread that will not run.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "PR #115352 (gh-114570): PythonFinalizationError, raised by _thread.start_new_thread and os.fork during finalization",
        "gh-104690: disallow thread creation and fork at interpreter exit; gh-113964: the test is _PyInterpreterState_GetFinalizing",
        "gh-108987: thread_run exits without touching its state if the runtime is finalizing",
        "Modules/_threadmodule.c (3.13): do_start_new_thread, thread_run; Python/pylifecycle.c: Py_FinalizeEx",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<LifecycleDesign>> DefineVariants() =>
    [
        new("finalization-error-3.13", "CPython 3.13: do_start_new_thread raises PythonFinalizationError once _PyInterpreterState_GetFinalizing(interp) is set.",
            Expectation.Clean, LifecycleDesign.Cpython313),
        new("start-during-finalization", "Broken (before gh-104690): the thread is started anyway; it exits at once in thread_run (gh-108987), and Thread.start() waits for it forever.",
            Expectation.Bug("Deadlock"), LifecycleDesign.Cpython313 with { StartDuringFinalization = StartDuringFinalization.StartAnyway }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, LifecycleDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Lifecycle = design });
        var threading = ThreadingModule.Import(interp);

        void Dealloc()
        {
            // A __del__ that starts a thread; an exception escaping it is reported as unraisable.
            try
            {
                threading.NewThread("late", () => { }, daemon: true).Start();
            }
            catch (PythonFinalizationError)
            {
                runtime.Note("Exception ignored in __del__: PythonFinalizationError: can't create new thread at interpreter shutdown");
            }
        }

        threading.NewThread("daemon", () =>
        {
            var tstate = interp.CurrentThreadState;
            tstate.SetDictItem("local", Dealloc); // a threading.local value with that __del__
            tstate.CheckPeriodic();
        }, daemon: true).Start();

        interp.RuntimeState.FinalizeEx();
    }
}
