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
    /// Deviation: starting a thread never fails, so the <c>start_failed</c> path (<c>force_done</c>) is not modelled.
    /// </remarks>
    /// <exception cref="ThreadError">The handle was already started.</exception>
    internal void Start(Action func, string threadName)
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

        var boot = new Bootstate(func, this, new PyEvent(_rt, $"{Name}.boot.handle_ready") { SetBy = _rt.CurrentThread });
        Incref();
        var os = _rt.CreateThread(threadName, () => ThreadRun(boot));
        ThreadIsExiting.SetBy = os;
        _module.Interp.NewThreadState(os);
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
        tstate.Attach();
        boot.Func();

        // thread_bootstate_free(boot, 1)
        handle.Decref();

        // The thread state stays attached until it is unlinked (gh-117303).
        tstate.Clear();
        tstate.DeleteCurrent();

        // Don't need to wait for this thread anymore.
        _module.RemoveFromShutdownHandles(handle);

        handle.ThreadIsExiting.Notify();
        handle.Decref();
    }

    /// <summary><c>struct bootstate</c>: what <c>thread_run</c> needs (the thread state is the one bound to the thread).</summary>
    private sealed class Bootstate(Action func, ThreadHandle handle, PyEvent handleReady)
    {
        public Action Func { get; } = func;

        public ThreadHandle Handle { get; } = handle;

        public PyEvent HandleReady { get; } = handleReady;
    }
}
