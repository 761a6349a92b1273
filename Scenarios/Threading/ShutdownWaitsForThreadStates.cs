using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Threading;

/// <summary>
/// <c>threading._shutdown</c> of 3.12 next to 3.13's (gh-114271, PR #114839): "Wait until the Python thread state of all
/// non-daemon threads get deleted." Two non-daemon workers run while the main thread calls <c>threading._shutdown()</c>
/// at exit; when it returns, neither may still have a thread state (the next step of <c>Py_FinalizeEx</c> stops the world
/// and clears the states that remain, as a daemon thread's).
/// </summary>
/// <remarks>
/// 3.12's <c>_shutdown</c> waits on each thread's <c>_tstate_lock</c>, which <c>release_sentinel</c> releases at the end
/// of <c>PyThreadState_Clear</c>, before <c>_PyThreadState_DeleteCurrent</c> unlinks the state: it can return while a
/// worker still has its state. 3.13 waits on the handle's <c>thread_is_exiting</c>, set after the state is deleted.
/// </remarks>
[Scenario("shutdown-waits-for-thread-states")]
public sealed class ShutdownWaitsForThreadStates : Scenario<ThreadingDesign>
{
    /// <inheritdoc/>
    public override string Summary => "threading._shutdown returns only after every non-daemon thread's state is deleted.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-114271; PR #114839 (wait for the thread state to be deleted, not for _tstate_lock)",
        "Lib/threading.py (3.12): _shutdown, _shutdown_locks, _set_tstate_lock; (3.13): _shutdown",
        "Python/pystate.c (3.12): PyThreadState_Clear (on_delete: release_sentinel) before _PyThreadState_DeleteCurrent",
        "Modules/_threadmodule.c (3.13): thread_shutdown, thread_run (thread_is_exiting after the state is deleted)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ThreadingDesign>> DefineVariants() =>
    [
        new("shutdown-handles-3.13", "CPython 3.13: _thread._shutdown joins each non-daemon handle; thread_is_exiting is set after the thread state is deleted.",
            Expectation.Clean, ThreadingDesign.Cpython313),
        new("shutdown-locks-3.12", "CPython 3.12: _shutdown acquires each non-daemon thread's _tstate_lock, released in PyThreadState_Clear before the state is unlinked.",
            Expectation.Bug("still has its thread state"), ThreadingDesign.Cpython312),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ThreadingDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Threading = design });
        var threading = ThreadingModule.Import(interp);
        var workers = new[] { threading.NewThread("W1", () => { }), threading.NewThread("W2", () => { }) };
        foreach (var w in workers)
        {
            w.Start();
        }

        threading.Shutdown();

        foreach (var w in workers)
        {
            runtime.Check(!interp.ThreadStatesForCheck.Any(t => t.Thread.Id == w.Ident),
                $"threading._shutdown returned while non-daemon thread {w.Name} still has its thread state");
        }
    }
}
