using Sim.Model.Interpreter;
using Sim.Runtime;
using Sim.Runtime.Threads;

namespace Sim.Model.Threading;

/// <summary>
/// The C <c>_thread</c> module (<c>Modules/_threadmodule.c</c>, 3.13), which the Python <c>threading</c> module
/// (<see cref="ThreadingModule"/>) is built on, as far as thread join and shutdown go: starting
/// joinable threads (<c>start_joinable_thread</c>, <c>do_start_new_thread</c>), the module's <c>shutdown_handles</c>
/// list of non-daemon threads, <c>_shutdown</c>, <c>_make_thread_handle</c> and <c>_PyThread_AfterFork</c>; plus 3.12's
/// detached <c>start_new_thread</c> and <c>thread_run</c>, which the 3.12 join design runs on.
/// </summary>
public sealed class CThreadModule
{
    private readonly SimRuntime _rt;

    internal CThreadModule(PyInterpreterState interp)
    {
        Interp = interp;
        _rt = interp.Runtime;
        Design = interp.Config.Threading;
        ShutdownHandles = new ThreadHandleList(_rt, "shutdown_handles", interp.HeadLock);
    }

    /// <summary>The interpreter (and runtime) the module belongs to.</summary>
    public PyInterpreterState Interp { get; }

    /// <summary>The design the module follows (<c>ModelConfig.Threading</c>).</summary>
    public ThreadingDesign Design { get; }

    /// <summary><c>shutdown_handles</c>: the handles of the non-daemon threads that <c>_shutdown</c> waits for.</summary>
    public ThreadHandleList ShutdownHandles { get; }

    /// <summary>
    /// A model input: whether <c>PyThread_start_joinable_thread</c> fails (<c>EAGAIN</c>, no resources) for the thread of
    /// the given name. Null: starts never fail. Scenarios make it a controlled choice.
    /// </summary>
    public Func<string, bool>? OsThreadStartFails { get; set; }

    /// <summary><c>_thread._ThreadHandle()</c> (<c>PyThreadHandleObject_new</c>, <c>ThreadHandle_new</c>).</summary>
    /// <param name="name">The name of the thread the handle is for, for traces.</param>
    public PyThreadHandleObject NewThreadHandle(string name) => new(new ThreadHandle(this, name));

    /// <summary>
    /// <c>_thread.start_joinable_thread(function, handle=None, daemon=True)</c>: starts a thread running
    /// <paramref name="function"/> and returns its handle (a new one if none is given).
    /// </summary>
    /// <exception cref="ThreadError">The handle was already started.</exception>
    public PyThreadHandleObject StartJoinableThread(Action function, string name, PyThreadHandleObject? handle = null, bool daemon = true)
    {
        ArgumentNullException.ThrowIfNull(function);
        handle ??= NewThreadHandle(name);
        DoStartNewThread(function, handle.Handle, daemon, name);
        return handle;
    }

    /// <summary>
    /// <c>_thread._make_thread_handle(ident)</c>: a RUNNING handle with no OS thread, for a thread the module did not
    /// start (the main thread).
    /// </summary>
    public PyThreadHandleObject MakeThreadHandle(long ident, string name)
    {
        var hobj = NewThreadHandle(name);
        var h = hobj.Handle;
        h.Mutex.Lock();
        h.Ident.Write(ident);
        h.State.Write(ThreadHandleState.Running);
        h.Mutex.Unlock();
        return hobj;
    }

    /// <summary>
    /// <c>_thread._shutdown()</c> (<c>thread_shutdown</c>): waits for every non-daemon thread other than the caller. Takes
    /// the first handle in <c>shutdown_handles</c> that is not the caller's (incref'd under <c>HEAD_LOCK</c>), joins it,
    /// drops it, and starts over, until none is left.
    /// </summary>
    /// <remarks>
    /// Checked invariant: a handle whose join returned has left <c>shutdown_handles</c> (its thread removed it before
    /// setting <c>thread_is_exiting</c>); otherwise <c>_shutdown</c> would pick it again forever.
    /// </remarks>
    public void Shutdown()
    {
        using var _ = _rt.Enter("_thread._shutdown");
        var ident = _rt.CurrentThread.Id;
        if (Design.ShutdownWait == ShutdownWait.SnapshotOnce)
        {
            ShutdownSnapshotOnce(ident);
            return;
        }

        for (;;)
        {
            // Find a thread that's not yet finished.
            Interp.HeadLock.LockDontDetach();
            var handle = ShutdownHandles.First(h => h.Ident.Read() != ident);
            handle?.Incref();
            Interp.HeadLock.Unlock();
            if (handle is null)
            {
                // No more threads to wait on!
                break;
            }

            JoinForShutdown(handle);
        }
    }

    /// <summary><c>add_to_shutdown_handles</c>.</summary>
    internal void AddToShutdownHandles(ThreadHandle handle)
    {
        Interp.HeadLock.LockDontDetach();
        ShutdownHandles.InsertTail(handle);
        Interp.HeadLock.Unlock();
    }

    /// <summary><c>remove_from_shutdown_handles</c>.</summary>
    internal void RemoveFromShutdownHandles(ThreadHandle handle)
    {
        Interp.HeadLock.LockDontDetach();
        ShutdownHandles.Remove(handle);
        Interp.HeadLock.Unlock();
    }

    /// <summary>
    /// <c>_PyThread_AfterFork</c> (called by <c>_PyRuntimeState_ReInitThreads</c> in the fork child): every handle in
    /// <c>_PyRuntime.threads.handles</c> except the current thread's is marked DONE, its once flag INITIALIZED, its
    /// mutex reset and its event notified, and is unlinked from both lists (gh-115035).
    /// </summary>
    /// <remarks>
    /// Later CPython versions also skip NOT_STARTED handles, which the child may still start; the model follows the
    /// version without that exemption (the scenarios start no thread in the child).
    /// </remarks>
    internal void AfterFork()
    {
        using var _ = _rt.Enter("_PyThread_AfterFork");
        var current = _rt.CurrentThread.Id;
        foreach (var handle in Interp.ThreadHandles.ForCheck)
        {
            if (handle.Ident.Peek() == current)
            {
                continue;
            }

            // We are the only thread: plain stores.
            handle.MarkDoneAfterFork();
            Interp.ThreadHandles.RemoveAfterFork(handle);
            RemoveFromShutdownHandles(handle);
        }
    }

    /// <summary>
    /// 3.12's <c>_thread.start_new_thread</c> (<c>thread_PyThread_start_new_thread</c>): creates the thread state and a
    /// detached OS thread (<c>PyThread_start_new_thread</c> detaches the thread it creates) running 3.12's
    /// <c>thread_run</c>. Used by the 3.12 join design, which waits on <c>_tstate_lock</c> instead of joining.
    /// </summary>
    public SimThread StartNewThreadDetached(Action function, string name)
    {
        ArgumentNullException.ThrowIfNull(function);
        using var _ = _rt.Enter("_thread.start_new_thread (3.12)");
        var os = _rt.CreateThread(name, () => ThreadRun312(function));
        Interp.NewThreadState(os);
        os.Start();
        os.Detach();
        return os;
    }

    /// <summary>
    /// <c>do_start_new_thread</c>: refuses to start a thread once the interpreter is finalizing (3.13:
    /// <c>PythonFinalizationError</c>); a non-daemon thread's handle enters <c>shutdown_handles</c> before
    /// <c>ThreadHandle_start</c>, "to avoid adding a handle to a thread that has already finished", and leaves it again if
    /// the start fails. The OS thread of a daemon thread is a daemon of the simulated process too (the program's end does
    /// not wait for it).
    /// </summary>
    /// <remarks>
    /// <c>_PyInterpreterState_GetFinalizing</c> is read without a scheduling point of its own (merged into the caller's
    /// previous step; see <see cref="PyRuntimeState.MustExit"/>): the check-then-start gap that follows it is open to
    /// exploration all the same.
    /// </remarks>
    /// <exception cref="PythonFinalizationError">The interpreter is finalizing (3.13).</exception>
    private void DoStartNewThread(Action function, ThreadHandle handle, bool daemon, string name)
    {
        using var _ = _rt.Enter("do_start_new_thread");
        if (Interp.Config.Lifecycle.StartDuringFinalization == StartDuringFinalization.RaisePythonFinalizationError
            && Interp.Finalizing.Peek() is not null)
        {
            throw new PythonFinalizationError("can't create new thread at interpreter shutdown");
        }

        var register = !daemon ? Design.ShutdownRegistration : (ShutdownRegistration?)null;
        if (register == ShutdownRegistration.BeforeStart)
        {
            AddToShutdownHandles(handle);
        }

        try
        {
            handle.Start(function, name, daemon);
        }
        catch (ThreadError) when (register == ShutdownRegistration.BeforeStart && Design.StartFailure == StartFailure.ForceDone)
        {
            RemoveFromShutdownHandles(handle);
            throw;
        }

        if (register == ShutdownRegistration.AfterStart)
        {
            AddToShutdownHandles(handle);
        }
    }

    /// <summary>The broken <see cref="ShutdownWait.SnapshotOnce"/>: join the handles linked now, then return.</summary>
    private void ShutdownSnapshotOnce(long ident)
    {
        Interp.HeadLock.LockDontDetach();
        var handles = ShutdownHandles.All().Where(h => h.Ident.Read() != ident).ToList();
        handles.ForEach(h => h.Incref());
        Interp.HeadLock.Unlock();
        handles.ForEach(JoinForShutdown);
    }

    private void JoinForShutdown(ThreadHandle handle)
    {
        // Wait for the thread to finish.
        handle.Join(-1);
        _rt.Check(!ShutdownHandles.ContainsForCheck(handle),
            $"_thread._shutdown joined {handle.Name}, but its handle is still in shutdown_handles (nothing unlinked it, or it was linked after its thread had removed itself): _shutdown would pick it again forever");
        handle.Decref();
    }

    /// <summary>
    /// 3.12's <c>thread_run</c>: attach, run, then <c>PyThreadState_Clear</c>, which ends by calling
    /// <c>tstate-&gt;on_delete</c> (<c>release_sentinel</c>: releases <c>_tstate_lock</c>), then
    /// <c>_PyThreadState_DeleteCurrent</c>. The lock is released before the state is unlinked.
    /// </summary>
    private void ThreadRun312(Action function)
    {
        using var _ = _rt.Enter("thread_run (3.12)");
        var tstate = Interp.CurrentThreadState;
        tstate.Attach();
        function();
        tstate.Clear();
        tstate.DeleteCurrent();
    }
}
