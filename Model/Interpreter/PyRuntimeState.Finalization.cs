using Sim.Runtime.Cells;

namespace Sim.Model.Interpreter;

/// <summary>Finalization (<c>Python/pylifecycle.c</c>, <c>Python/pystate.c</c>, <c>Python/ceval_gil.c</c>, 3.13).</summary>
public sealed partial class PyRuntimeState
{
    /// <summary><c>_PyRuntime._finalizing</c>: the thread state that finalizes the runtime, once it does.</summary>
    public AtomicRef<PyThreadState> Finalizing { get; }

    /// <summary>
    /// <c>_PyRuntimeState_SetFinalizing(runtime, tstate)</c>: <c>_finalizing</c> and <c>_finalizing_id</c>, relaxed stores.
    /// </summary>
    public void SetFinalizing(PyThreadState tstate)
    {
        using var _ = Runtime.Enter("_PyRuntimeState_SetFinalizing");
        Finalizing.Store(tstate, MemoryOrder.Relaxed);
    }

    /// <summary>
    /// <c>Py_FinalizeEx</c> (<c>Python/pylifecycle.c</c>, 3.13), as far as threads go, on the main thread with the main
    /// interpreter's state attached: <c>wait_for_thread_shutdown</c> (<c>threading._shutdown()</c>, if <c>threading</c> was
    /// imported), the <c>atexit</c> callbacks, then "Ensure that remaining threads are detached"
    /// (<c>_PyEval_StopTheWorldAll</c>), <c>_PyInterpreterState_SetFinalizing</c> and <c>_PyRuntimeState_SetFinalizing</c>
    /// (daemon threads that attach from now on exit in <c>take_gil</c>), <c>_PyThreadState_RemoveExcept</c>,
    /// <c>_PyEval_StartTheWorldAll</c>, <c>_PyThreadState_DeleteList</c> (destructors of the other threads' states run on
    /// this thread); then <paramref name="finalizeModules"/>.
    /// </summary>
    /// <param name="finalizeModules">What the scenario's interpreter tears down after the thread states
    /// (<c>finalize_modules</c>, the last collections): the objects other threads may still point to.</param>
    /// <remarks>
    /// Not modelled: <c>interp-&gt;finalizing = 1</c> (it blocks imports), <c>_Py_FinishPendingCalls</c>, the collections and
    /// <c>finalize_interp_clear</c> (the scenario's <paramref name="finalizeModules"/> stands for what they free). The
    /// broken designs of <see cref="LifecycleDesign"/> drop the pause or clear the states with the world stopped.
    /// </remarks>
    public void FinalizeEx(Action? finalizeModules = null)
    {
        using var _ = Runtime.Enter("Py_FinalizeEx");
        var interp = MainInterpreter;
        var tstate = interp.CurrentThreadState;

        // Wrap up existing "threading"-module-created, non-daemon threads.
        interp.ThreadingOrNull?.Shutdown(); // wait_for_thread_shutdown(tstate)
        interp.AtExit.Call(); // _PyAtExit_Call(tstate->interp)

        var pause = Config.Lifecycle.Finalization == PauseProtocol.StopTheWorld;
        if (pause)
        {
            // Ensure that remaining threads are detached
            StopTheWorldAll();
        }

        // Remaining daemon threads will automatically exit when they attempt to take the GIL.
        interp.SetFinalizing(tstate); // _PyInterpreterState_SetFinalizing(tstate->interp, tstate)
        SetFinalizing(tstate); // _PyRuntimeState_SetFinalizing(runtime, tstate)

        // We start the world once we are the only thread state left, before we call destructors.
        var list = interp.RemoveExcept(tstate);
        if (Config.Lifecycle.DaemonThreads == DaemonThreadsAtFinalization.HangWhenShuttingDown)
        {
            foreach (var p in list)
            {
                p.SetShuttingDown(); // 3.14: _PyThreadState_SetShuttingDown(p)
            }
        }

        interp.DeleteDeadThreadStates(list, pause ? StartTheWorldAll : null);

        finalizeModules?.Invoke();
    }

    /// <summary>
    /// <c>_PyThreadState_MustExit(tstate)</c> (<c>Python/pystate.c</c>, 3.13): true if the runtime (or, before that, the
    /// interpreter) is finalizing and <paramref name="tstate"/> is not the finalizing thread's state (nor, gh-109793, a
    /// state of the finalizing OS thread in another interpreter). Reads only the runtime's fields first, since a daemon
    /// thread's state may already be freed.
    /// </summary>
    /// <remarks>
    /// 3.14 (<see cref="DaemonThreadsAtFinalization.HangWhenShuttingDown"/>) reads the state instead: SHUTTING_DOWN.
    /// The <c>_finalizing</c> fields are read without a scheduling point of their own (merged into the caller's previous
    /// step): they are stored once, with the world stopped, and <c>take_gil</c> reads them on every attach, so a scheduling
    /// point there would change the schedules of every scenario for an outcome exploration reaches anyway.
    /// </remarks>
    internal bool MustExit(PyThreadState tstate)
    {
        if (Config.Lifecycle.DaemonThreads == DaemonThreadsAtFinalization.HangWhenShuttingDown)
        {
            // 3.14: the state is reference-counted, so reading it is safe.
            return tstate.State.Load(MemoryOrder.Relaxed) == ThreadStateStatus.ShuttingDown;
        }

        var finalizing = Finalizing.Peek();
        if (finalizing is null)
        {
            finalizing = tstate.Interp.Finalizing.Peek();
        }

        return finalizing is not null
            && !ReferenceEquals(finalizing, tstate)
            && finalizing.Thread != Runtime.CurrentThread; // gh-109793: we must have switched interpreters
    }
}
