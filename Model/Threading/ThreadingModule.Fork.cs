using Sim.Model.Interpreter;

namespace Sim.Model.Threading;

/// <summary><c>os.fork()</c> and the child's clean-up of thread handles.</summary>
public sealed partial class ThreadingModule
{
    /// <summary>
    /// <c>os.fork()</c> in the calling thread, which continues as the child. It is refused once the interpreter is
    /// finalizing (<c>PythonFinalizationError</c>). <c>PyOS_BeforeFork</c> stops the world (every other thread of every
    /// interpreter SUSPENDED, so none is caught inside the runtime's state or holding a stop-the-world lock) and takes
    /// <c>HEAD_LOCK</c>; the process forks (every other thread vanishes); <c>PyOS_AfterFork_Child</c> runs
    /// <c>_PyRuntimeState_ReInitThreads</c> (drop the parking lot's waiters, re-initialise <c>HEAD_LOCK</c>, then, in the
    /// 3.13 design, <c>_PyThread_AfterFork</c>), removes the dead threads' states (<c>_PyThreadState_RemoveExcept</c>),
    /// restarts the world, and deletes them (<c>_PyThreadState_DeleteList</c>, whose destructors run here); then Python
    /// code: <c>threading._after_fork</c> (which, before gh-115035, marked the dead threads' handles). A garbage collection
    /// may run as soon as Python code runs: a controlled choice decides whether <paramref name="collectGarbage"/> runs
    /// before <c>threading._after_fork</c> or after it.
    /// </summary>
    /// <param name="collectGarbage">Frees what the program left in reference cycles (the model has no cycle collector): the
    /// first collection in the child. Null if there is nothing to collect.</param>
    /// <remarks>
    /// Deviations: the import lock, the <c>at_fork</c> callbacks, <c>_Py_brc_after_fork</c>, <c>_Py_qsbr_after_fork</c>,
    /// <c>_PyInterpreterState_DeleteExceptMain</c> and the re-initialisation of the other global locks are not modelled.
    /// The order of <c>PyOS_AfterFork_Child</c>'s steps after <c>_PyRuntimeState_ReInitThreads</c> is read in 3.14's source
    /// [version-uncertain].
    /// </remarks>
    /// <exception cref="PythonFinalizationError">The interpreter is finalizing ("can't fork at interpreter shutdown").</exception>
    public void ForkAndContinueAsChild(Action? collectGarbage = null)
    {
        if (Interp.Finalizing.Peek() is not null)
        {
            throw new PythonFinalizationError("can't fork at interpreter shutdown");
        }

        var pause = Interp.Config.Lifecycle.Fork == PauseProtocol.StopTheWorld;
        using (Runtime.Enter("PyOS_BeforeFork"))
        {
            if (pause)
            {
                Interp.RuntimeState.StopTheWorldAll(); // _PyEval_StopTheWorldAll(&_PyRuntime)
            }

            Interp.HeadLock.LockDontDetach();
        }

        Runtime.Fork();

        using var _ = Runtime.Enter("PyOS_AfterFork_Child");

        // _PyRuntimeState_ReInitThreads
        Runtime.ParkingLot.AfterFork();
        Interp.HeadLock.ReinitializeAfterFork();
        if (Design.AfterForkMarking == AfterForkMarking.InRuntimeBeforePythonCode)
        {
            CThreadModule.AfterFork();
        }

        // Remove the dead thread states. We "start the world" once we are the only thread state left to undo the stop the
        // world call in PyOS_BeforeFork. That needs to happen before _PyThreadState_DeleteList, because that may call
        // destructors.
        var list = Interp.RemoveExcept(Interp.CurrentThreadState);
        Interp.DeleteDeadThreadStates(list, pause ? Interp.RuntimeState.StartTheWorldAll : null);

        // Python code runs from here: a collection may be triggered at any allocation.
        var collected = collectGarbage is not null
            && Runtime.ChooseBool("a garbage collection runs in the child before threading._after_fork marks the threads");
        if (collected)
        {
            collectGarbage!();
        }

        AfterForkInPython();

        if (!collected)
        {
            collectGarbage?.Invoke();
        }
    }

    /// <summary>
    /// <c>threading._after_fork</c>, as far as handles go: before gh-115035 it marked the handle of every other
    /// <c>Thread</c> (<c>_active</c> and <c>_dangling</c>) as not joinable, from Python; in 3.13 the C runtime has
    /// already done so.
    /// </summary>
    private void AfterForkInPython()
    {
        using var _ = Runtime.Enter("threading._after_fork");
        if (Design.AfterForkMarking == AfterForkMarking.FromPythonAfterFork)
        {
            CThreadModule.AfterFork();
        }
    }
}
