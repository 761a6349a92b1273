using Sim.Model.Interpreter;

namespace Sim.Model.Threading;

/// <summary>Joining a handle's thread, marking it done, and the after-fork marking (<c>Modules/_threadmodule.c</c>, 3.13).</summary>
public sealed partial class ThreadHandle
{
    /// <summary>
    /// <c>ThreadHandle_join</c>: refuses a handle that was never started and a self-join (checked only while
    /// <c>thread_is_exiting</c> is unset, because an exited thread's ident may be reused); waits, detached, for
    /// <c>thread_is_exiting</c> until the timeout; then joins the OS thread through the once flag, so concurrent joins
    /// serialise and the OS thread is joined once.
    /// </summary>
    /// <param name="timeoutNanos">The timeout; -1 waits forever.</param>
    /// <returns>True if the thread exited and was joined; false if the timeout expired first (Python returns None and
    /// the caller asks <c>is_alive()</c>).</returns>
    /// <remarks>Deviation: no signals are delivered, so the wait is never interrupted and no pending calls run.</remarks>
    /// <exception cref="ThreadError">The thread was not started, or the caller is the thread itself.</exception>
    public bool Join(long timeoutNanos = -1)
    {
        using var _ = _rt.Enter("ThreadHandle_join");
        CheckNotFreed("ThreadHandle_join");
        CheckStarted();

        // Only while the thread is not exiting: afterwards its ident may belong to another thread.
        if (!ThreadIsExiting.IsSet() && GetIdent() == _rt.CurrentThread.Id)
        {
            throw new ThreadError("Cannot join current thread");
        }

        // Wait until the deadline for the thread to exit.
        var deadline = timeoutNanos != -1 ? _rt.MonotonicNanos + timeoutNanos : 0;
        while (!ThreadIsExiting.WaitTimed(timeoutNanos, detach: true))
        {
            if (deadline != 0)
            {
                timeoutNanos = Math.Max(deadline - _rt.MonotonicNanos, 0);
            }

            if (timeoutNanos == 0)
            {
                // Timed out.
                return false;
            }
        }

        if (_module.Design.HandleJoin == HandleJoinSerialization.PlainJoinableFlag)
        {
            // Broken: if (!self->joinable) (already joined); self->joinable = 0; join_thread(self).
            if (!Joinable.Read())
            {
                return true;
            }

            Joinable.Write(false);
            JoinThread();
            return true;
        }

        if (Once.CallOnce(JoinThread) == -1)
        {
            throw new ThreadError("Failed joining thread");
        }

        // assert(get_thread_handle_state(self) == THREAD_HANDLE_DONE)
        _rt.Check(State.Peek() == ThreadHandleState.Done, $"{this}: ThreadHandle_join returned but the handle is not DONE");
        return true;
    }

    /// <summary>
    /// <c>ThreadHandle_set_done</c>: through the once flag, detaches the OS thread, notifies <c>thread_is_exiting</c> and
    /// marks the handle DONE (<c>threading._shutdown</c> does this to the main thread's handle).
    /// </summary>
    /// <exception cref="ThreadError">The thread was not started.</exception>
    public void SetDone()
    {
        using var _ = _rt.Enter("ThreadHandle_set_done");
        CheckNotFreed("ThreadHandle_set_done");
        CheckStarted();
        if (Once.CallOnce(SetDoneOnce) == -1)
        {
            throw new ThreadError("failed detaching handle");
        }

        _rt.Check(State.Peek() == ThreadHandleState.Done, $"{this}: ThreadHandle_set_done returned but the handle is not DONE");
    }

    /// <summary><c>PyThreadHandleObject_is_done</c>: whether <c>thread_is_exiting</c> is set.</summary>
    public bool IsDone()
    {
        CheckNotFreed("ThreadHandle.is_done");
        return ThreadIsExiting.IsSet();
    }

    /// <summary>
    /// One handle's part of <c>_PyThread_AfterFork</c>: in the fork child, with one thread, plain stores mark the handle
    /// DONE, its once flag INITIALIZED and its mutex unlocked; then its event is notified (waking nobody: the parking
    /// lot was emptied), so that joining it returns at once and nothing joins or detaches the vanished OS thread.
    /// </summary>
    internal void MarkDoneAfterFork()
    {
        using var _ = _rt.Enter("_PyThread_AfterFork");
        State.Reinitialize(ThreadHandleState.Done);
        Once.MarkInitializedAfterFork();
        Mutex.ReinitializeAfterFork();
        ThreadIsExiting.Notify();
    }

    /// <summary><c>check_started</c>.</summary>
    private void CheckStarted()
    {
        if (GetState() < ThreadHandleState.Running)
        {
            throw new ThreadError("thread not started");
        }
    }

    /// <summary>
    /// <c>join_thread</c>: <c>PyThread_join_thread</c> on the OS handle with the thread state detached
    /// (<c>Py_BEGIN_ALLOW_THREADS</c>), then DONE. Run through the once flag in 3.13.
    /// </summary>
    /// <remarks>The debug-build <c>assert(state == RUNNING)</c> is not modelled: release builds do not check it.</remarks>
    private int JoinThread()
    {
        using var _ = _rt.Enter("join_thread");
        var os = GetOsHandle();
        if (os is not null)
        {
            var tstate = _rt.CurrentThread.ModelState as PyThreadState;
            var detach = tstate?.State.Peek() == ThreadStateStatus.Attached;
            if (detach)
            {
                tstate!.Detach();
            }

            Interlocked.Increment(ref _osJoins);
            os.Join();
            if (detach)
            {
                tstate!.Attach();
            }
        }

        SetState(ThreadHandleState.Done);
        return 0;
    }

    /// <summary><c>set_done</c>: detach the OS thread, notify <c>thread_is_exiting</c>, DONE. Run through the once flag.</summary>
    private int SetDoneOnce()
    {
        using var _ = _rt.Enter("set_done");
        DetachThread();
        ThreadIsExiting.Notify();
        SetState(ThreadHandleState.Done);
        return 0;
    }
}
