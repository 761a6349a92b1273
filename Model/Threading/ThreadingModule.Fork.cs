namespace Sim.Model.Threading;

/// <summary><c>os.fork()</c> and the child's clean-up of thread handles.</summary>
public sealed partial class ThreadingModule
{
    /// <summary>
    /// <c>os.fork()</c> in the calling thread, which continues as the child: <c>PyOS_BeforeFork</c> takes
    /// <c>HEAD_LOCK</c>; the process forks (every other thread vanishes); <c>PyOS_AfterFork_Child</c> runs
    /// <c>_PyRuntimeState_ReInitThreads</c> (drop the parking lot's waiters, re-initialise <c>HEAD_LOCK</c>, then, in the
    /// 3.13 design, <c>_PyThread_AfterFork</c>), then Python code: <c>threading._after_fork</c> (which, before gh-115035,
    /// marked the dead threads' handles). A garbage collection may run as soon as Python code runs: a controlled choice
    /// decides whether <paramref name="collectGarbage"/> runs before <c>threading._after_fork</c> or after it.
    /// </summary>
    /// <param name="collectGarbage">Frees what the program left in reference cycles (the model has no cycle collector): the
    /// first collection in the child. Null if there is nothing to collect.</param>
    /// <remarks>
    /// Deviations: <c>PyOS_BeforeFork</c> also stops the world and takes the import lock, and <c>PyOS_AfterFork_Child</c>
    /// also deletes the dead threads' states and re-initialises other locks; those are not modelled. Without the
    /// stop-the-world pause the model forks at any scheduling point, a superset of CPython's fork points.
    /// </remarks>
    public void ForkAndContinueAsChild(Action? collectGarbage = null)
    {
        using (Runtime.Enter("PyOS_BeforeFork"))
        {
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
