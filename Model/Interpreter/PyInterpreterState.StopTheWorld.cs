namespace Sim.Model.Interpreter;

/// <summary>The per-interpreter stop-the-world, and removing the other threads' states (<c>Python/pystate.c</c>, 3.13).</summary>
public sealed partial class PyInterpreterState
{
    /// <summary><c>interp-&gt;stoptheworld</c>: pauses the threads of this interpreter only.</summary>
    public StopTheWorldState StopTheWorldState { get; }

    /// <summary>
    /// <c>_PyEval_StopTheWorld(interp)</c>: pauses every other thread of this interpreter (the free-threaded GC does this);
    /// end the pause with <see cref="StartTheWorld"/>.
    /// </summary>
    public void StopTheWorld() => StopTheWorldState.StopTheWorld();

    /// <summary><c>_PyEval_StartTheWorld(interp)</c>.</summary>
    public void StartTheWorld() => StopTheWorldState.StartTheWorld();

    /// <summary>
    /// <c>_PyThreadState_RemoveExcept(tstate)</c>: with the world stopped, unlinks every thread state of this interpreter
    /// but <paramref name="tstate"/> under <c>HEAD_LOCK</c>, and returns them, not deleted: the caller restarts the world,
    /// then deletes them with <see cref="DeleteList"/>.
    /// </summary>
    /// <remarks>
    /// CPython asserts <c>runtime-&gt;stoptheworld.world_stopped</c> here; the model leaves it to its callers, which stop
    /// the world or not as their design says (the broken designs that do not are what the scenarios explore, not a debug
    /// assert that would stop them at once).
    /// </remarks>
    public IReadOnlyList<PyThreadState> RemoveExcept(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        using var _ = Runtime.Enter("_PyThreadState_RemoveExcept");
        HeadLock.LockDontDetach();
        var list = _threads.Where(t => !ReferenceEquals(t, tstate)).ToArray();
        _threads = [tstate];
        HeadLock.Unlock();
        return list;
    }

    /// <summary>
    /// <c>_PyThreadState_DeleteList(list)</c>: clears each removed thread state (<c>PyThreadState_Clear</c>, which may run
    /// destructors) and frees it. The world must be running: a destructor may need it.
    /// </summary>
    /// <remarks>
    /// The <c>assert(!_PyRuntime.stoptheworld.world_stopped)</c> is the design's (3.13); the pre-split design
    /// (<see cref="DeadThreadStates.DeleteWithTheWorldStopped"/>) clears with the world stopped and has no such assert.
    /// 3.13 frees each state; 3.14 drops the list's reference (<see cref="DaemonThreadsAtFinalization.HangWhenShuttingDown"/>).
    /// </remarks>
    public void DeleteList(IReadOnlyList<PyThreadState> list)
    {
        ArgumentNullException.ThrowIfNull(list);
        using var _ = Runtime.Enter("_PyThreadState_DeleteList");
        if (Config.Lifecycle.DeadThreadStates != DeadThreadStates.DeleteWithTheWorldStopped)
        {
            // The world can't be stopped because PyThreadState_Clear() can call destructors.
            Runtime.Check(!RuntimeState.StopTheWorldState.WorldStoppedForCheck, "_PyThreadState_DeleteList with the world stopped");
        }

        var refcounted = Config.Lifecycle.DaemonThreads == DaemonThreadsAtFinalization.HangWhenShuttingDown;
        foreach (var p in list)
        {
            p.Clear();
            if (refcounted)
            {
                p.Decref(); // 3.14: decref_threadstate(p): the OS thread may still hold it
            }
            else
            {
                p.Free(); // free_threadstate(p)
            }
        }
    }
}
