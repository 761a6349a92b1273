using Sim.Model.Locks;

namespace Sim.Model.Threading;

/// <summary>Starting a handle's thread, and the thread's life (<c>ThreadHandle_start</c>, <c>thread_run</c>).</summary>
public sealed partial class ThreadHandle
{
    /// <summary>
    /// <c>ThreadHandle_start</c>: marks the handle STARTING under the mutex, creates the thread state and the bootstate
    /// (which holds a reference to the handle), starts the OS thread, marks the handle RUNNING with its ident and OS
    /// handle under the mutex, then notifies <c>handle_ready</c>, which the new thread waits for before it touches the
    /// handle.
    /// </summary>
    /// <remarks>
    /// If the OS thread cannot be started (<see cref="CThreadModule.OsThreadStartFails"/>, a model input), the new thread
    /// state is cleared and deleted, and <c>start_failed</c> marks the handle DONE through the once flag
    /// (<c>force_done</c>: <c>thread_is_exiting</c> set, so nothing waits for a thread that never ran).
    /// [version-uncertain: that the failure path deletes the state as well as clearing it.]
    /// </remarks>
    /// <exception cref="ThreadError">The handle was already started ("thread already started"), or the OS thread could not
    /// be started ("can't start new thread").</exception>
    internal void Start(Action func, string threadName, bool daemon)
    {
        using var _ = _rt.Enter("ThreadHandle_start");
        CheckNotFreed("ThreadHandle_start");

        // Mark the handle as starting to prevent any other threads from doing so.
        Mutex.Lock();
        if (State.Read() != ThreadHandleState.NotStarted)
        {
            Mutex.Unlock();
            throw new ThreadError("thread already started");
        }

        State.Write(ThreadHandleState.Starting);
        Mutex.Unlock();

        var boot = new Bootstate(func, this, new PyEvent(_rt, $"{Name}.boot.handle_ready"));
        Incref();
        var os = _rt.CreateThread(threadName, () => ThreadRun(boot), daemon);
        var tstate = _module.Interp.NewThreadState(os);
        if (_module.OsThreadStartFails?.Invoke(threadName) == true)
        {
            // PyThread_start_joinable_thread failed.
            tstate.Clear(); // PyThreadState_Clear(boot->tstate)
            tstate.Delete(); // PyThreadState_Delete(boot->tstate)
            Decref(); // thread_bootstate_free(boot, 1)
            Once.CallOnce(ForceDone); // start_failed: _PyOnceFlag_CallOnce(&self->once, force_done, self)

            throw new ThreadError("can't start new thread");
        }

        os.Start();

        // Mark the handle running.
        Mutex.Lock();
        _rt.Check(State.Peek() == ThreadHandleState.Starting, $"{this}: ThreadHandle_start found the state changed while STARTING");
        Ident.Write(os.Id);
        OsHandle.Write(os);
        State.Write(ThreadHandleState.Running);
        Mutex.Unlock();

        // Unblock the thread.
        boot.HandleReady.Notify();
    }

    /// <summary>
    /// <c>thread_run</c>: the new thread's body. Waits for <c>handle_ready</c>, takes its own reference to the handle,
    /// attaches its thread state, runs the function, frees the bootstate (dropping its reference), clears and deletes
    /// the thread state, leaves <c>shutdown_handles</c>, notifies <c>thread_is_exiting</c> and drops its reference. The
    /// event is set after the thread state is deleted, so a joiner that sees it set knows the state is gone.
    /// </summary>
    private void ThreadRun(Bootstate boot)
    {
        using var _ = _rt.Enter("thread_run");

        // Wait until the handle is marked as running.
        boot.HandleReady.Wait();

        // `handle` needs to be manipulated after bootstate has been freed.
        var handle = boot.Handle;
        handle.Incref();

        var tstate = _module.Interp.CurrentThreadState;
        if (_module.Interp.RuntimeState.MustExit(tstate))
        {
            // gh-108987: started before or while Python is finalized, but running after: exit without touching the thread
            // state, which Py_Finalize() deletes.
            handle.Decref(); // thread_bootstate_free(boot, 0)
            ExitFromThreadRun(handle);
            return;
        }

        tstate.Attach();
        boot.Func();

        // thread_bootstate_free(boot, 1)
        handle.Decref();

        // The thread state stays attached until it is unlinked (gh-117303).
        tstate.Clear();
        tstate.DeleteCurrent();
        ExitFromThreadRun(handle);
    }

    /// <summary><c>thread_run</c>'s <c>exit:</c> label: leave <c>shutdown_handles</c>, set <c>thread_is_exiting</c>, drop the reference.</summary>
    private void ExitFromThreadRun(ThreadHandle handle)
    {
        // Don't need to wait for this thread anymore.
        _module.RemoveFromShutdownHandles(handle);

        handle.ThreadIsExiting.Notify();
        handle.Decref();
    }

    /// <summary><c>force_done</c>: a handle whose thread could not start is DONE, and nobody waits for it.</summary>
    private int ForceDone()
    {
        using var _ = _rt.Enter("force_done");
        _rt.Check(GetState() == ThreadHandleState.Starting, $"{this}: force_done on a handle that is not STARTING");
        ThreadIsExiting.Notify();
        SetState(ThreadHandleState.Done);
        return 0;
    }

    /// <summary><c>struct bootstate</c>: what <c>thread_run</c> needs (the thread state is the one bound to the thread).</summary>
    private sealed class Bootstate(Action func, ThreadHandle handle, PyEvent handleReady)
    {
        public Action Func { get; } = func;

        public ThreadHandle Handle { get; } = handle;

        public PyEvent HandleReady { get; } = handleReady;
    }
}
