using Sim.Runtime.Cells;

namespace Sim.Model.Interpreter;

/// <summary>The interpreter's part of finalization (<c>Python/pystate.c</c>, <c>Python/pylifecycle.c</c>, 3.13).</summary>
public sealed partial class PyInterpreterState
{
    /// <summary><c>interp-&gt;_finalizing</c>: the thread state that finalizes this interpreter, once it does.</summary>
    public AtomicRef<PyThreadState> Finalizing { get; }

    /// <summary>The <c>atexit</c> module's callbacks (<c>interp-&gt;atexit</c>).</summary>
    public AtExitCallbacks AtExit { get; }

    /// <summary>
    /// <c>_PyInterpreterState_GetFinalizing(interp)</c>: the finalizing thread state, or null (an atomic relaxed load).
    /// </summary>
    public PyThreadState? GetFinalizing() => Finalizing.Load(MemoryOrder.Relaxed);

    /// <summary><c>_PyInterpreterState_SetFinalizing(interp, tstate)</c>.</summary>
    public void SetFinalizing(PyThreadState tstate)
    {
        using var _ = Runtime.Enter("_PyInterpreterState_SetFinalizing");
        Finalizing.Store(tstate, MemoryOrder.Relaxed);
    }

    /// <summary>
    /// The dead threads' states after <see cref="RemoveExcept"/>, in the configured order: 3.13 restarts the world
    /// (<paramref name="startTheWorld"/>, null if it was not stopped) and then clears them (<see cref="DeleteList"/>); the
    /// pre-split <c>_PyThreadState_DeleteExcept</c> cleared them first, with the world still stopped; the broken
    /// <see cref="DeadThreadStates.DeleteUnderHeadLock"/> clears them holding <c>HEAD_LOCK</c>.
    /// </summary>
    internal void DeleteDeadThreadStates(IReadOnlyList<PyThreadState> list, Action? startTheWorld)
    {
        switch (Config.Lifecycle.DeadThreadStates)
        {
            case DeadThreadStates.DeleteWithTheWorldStopped:
                DeleteList(list);
                startTheWorld?.Invoke();
                break;
            case DeadThreadStates.DeleteUnderHeadLock:
                startTheWorld?.Invoke();
                HeadLock.LockDontDetach();
                DeleteList(list);
                HeadLock.Unlock();
                break;
            default:
                startTheWorld?.Invoke();
                DeleteList(list);
                break;
        }
    }
}
