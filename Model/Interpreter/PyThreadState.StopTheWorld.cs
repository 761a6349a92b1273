using System.Diagnostics.CodeAnalysis;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Interpreter;

/// <summary>
/// The thread state's part of stop-the-world and of finalization (<c>Python/pystate.c</c>, <c>Python/ceval_gil.c</c>,
/// 3.13): suspending on request, waiting to re-attach, leaving a countdown when deleted, exiting at finalization, and
/// the checks of what a stopped world guarantees.
/// </summary>
public sealed partial class PyThreadState
{
    private bool _freed;
    private AtomicLong? _refcount;
    private AtomicInt? _hang;

    /// <summary>True once <c>free_threadstate</c> freed the state (<see cref="PyInterpreterState.DeleteList"/>).</summary>
    public bool IsFreed => _freed;

    /// <summary>
    /// <c>PyThreadState_Swap(newts)</c> on the calling thread: detaches its current state (if attached), then attaches
    /// <paramref name="newts"/> (if any), which becomes current. This is how a thread moves between its states in several
    /// interpreters.
    /// </summary>
    /// <returns>The previous current state (null if none).</returns>
    /// <exception cref="InvalidOperationException"><paramref name="newts"/> belongs to another thread.</exception>
    public static PyThreadState? Swap(SimRuntime runtime, PyThreadState? newts)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var me = runtime.CurrentThread;
        if (newts is not null && !ReferenceEquals(newts.Thread, me))
        {
            throw new InvalidOperationException($"{newts} belongs to {newts.Thread}, not to the calling thread {me}");
        }

        var oldts = me.ModelState as PyThreadState;
        if (oldts is not null && oldts.State.Peek() == ThreadStateStatus.Attached)
        {
            oldts.Detach(); // _PyThreadState_Detach(oldts)
        }

        if (newts is not null)
        {
            me.ModelState = newts; // current_fast_set
            newts.Attach(); // _PyThreadState_Attach(newts)
        }

        return oldts;
    }

    /// <summary>
    /// <c>_PyThreadState_GET()</c> for stop-the-world's <c>requester</c>: the calling thread's current state if it is
    /// attached, else null (a thread with no state, or a detached one, requests as NULL and is counted).
    /// </summary>
    internal static PyThreadState? CurrentOrNull(SimRuntime runtime) =>
        runtime.CurrentThread.ModelState is PyThreadState t && t.State.Peek() == ThreadStateStatus.Attached ? t : null;

    /// <summary>
    /// <c>_PyThreadState_Suspend</c>: under <c>HEAD_LOCK</c>, finds the requested stop (the runtime's first, then the
    /// interpreter's); with none, just detaches. Otherwise detaches to SUSPENDED and, under <c>HEAD_LOCK</c> again,
    /// decrements the stop's countdown. The caller then attaches, which waits until the world restarts.
    /// </summary>
    public void Suspend()
    {
        using var _ = Interp.Runtime.Enter("_PyThreadState_Suspend");
        var runtime = Interp.RuntimeState;
        StopTheWorldState? stw = null;
        Interp.HeadLock.LockDontDetach();
        if (runtime.StopTheWorldState.Requested)
        {
            stw = runtime.StopTheWorldState;
        }
        else if (Interp.StopTheWorldState.Requested)
        {
            stw = Interp.StopTheWorldState;
        }

        Interp.HeadLock.Unlock();

        if (stw is null)
        {
            // Switch directly to "detached" if there is no active stop-the-world request.
            DetachThread(ThreadStateStatus.Detached);
            return;
        }

        // Switch to "suspended" state.
        DetachThread(ThreadStateStatus.Suspended);

        // Decrease the count of remaining threads needing to park.
        Interp.HeadLock.LockDontDetach();
        stw.DecrementCountdown();
        Interp.HeadLock.Unlock();
    }

    /// <summary>Frees the state (<c>free_threadstate</c>); any later attach is a use after free.</summary>
    /// <remarks>
    /// The state's OS thread may still run (a daemon thread at finalization) and keep the pointer, which now dangles:
    /// the model keeps it too, so that an attach through it is caught.
    /// </remarks>
    internal void Free() => _freed = true;

    /// <summary>
    /// <c>decref_threadstate</c> (3.14, PR #130649): drops one of the two references (the interpreter's list's, the OS
    /// thread's); the last one frees the state.
    /// </summary>
    internal void Decref()
    {
        if (Refcount.FetchAdd(-1) == 1)
        {
            Free();
        }
    }

    /// <summary>
    /// <c>_PyThreadState_SetShuttingDown</c> (3.14): marks a state removed at finalization SHUTTING_DOWN and wakes its
    /// thread if it waits to attach, so that it hangs instead.
    /// </summary>
    internal void SetShuttingDown()
    {
        using var _ = Interp.Runtime.Enter("_PyThreadState_SetShuttingDown");
        State.Store(ThreadStateStatus.ShuttingDown);
        Interp.Runtime.ParkingLot.UnparkAll(State);
    }

    /// <summary>The state's reference count (3.14), created with the state at 2.</summary>
    private AtomicLong Refcount => _refcount ?? throw new InvalidOperationException($"{this} has no reference count");

    /// <summary>Creates the state's reference count (3.14), at 2.</summary>
    internal void InitRefcount() => _refcount = new AtomicLong(Interp.Runtime, $"{this}.refcount", 2);

    /// <summary>
    /// <c>init_threadstate</c>, under <c>HEAD_LOCK</c>: "Start in the suspended state if there is an ongoing
    /// stop-the-world", so that the requester, which did not count the new thread, never finds it running.
    /// </summary>
    internal void InitStateDuringStop()
    {
        var requested = Interp.StopTheWorldState.Requested || Interp.RuntimeState.StopTheWorldState.Requested;
        if (requested && Interp.Config.ThreadStates.NewStateDuringStop == NewStateDuringStop.Suspended)
        {
            State.Store(ThreadStateStatus.Suspended, MemoryOrder.Relaxed); // tstate->state = _Py_THREAD_SUSPENDED
        }
    }

    /// <summary>
    /// <c>tstate_wait_attach</c> (3.13): parks on <c>&amp;tstate-&gt;state</c> while it is SUSPENDED (without detaching: the
    /// state is not attached), until start-the-world sets it DETACHED; then tries to attach again.
    /// </summary>
    /// <remarks>3.14's version (<see cref="DaemonThreadsAtFinalization.HangWhenShuttingDown"/>) reads the state first and
    /// hangs the thread if it is SHUTTING_DOWN.</remarks>
    private void WaitAttach()
    {
        var hangs = Interp.Config.Lifecycle.DaemonThreads == DaemonThreadsAtFinalization.HangWhenShuttingDown;
        do
        {
            if (hangs && State.Load(MemoryOrder.Relaxed) == ThreadStateStatus.ShuttingDown)
            {
                // We're shutting down, so we can't attach.
                HangThread();
            }

            // Wait until we're switched out of SUSPENDED to DETACHED.
            Interp.Runtime.ParkingLot.Park(State, ThreadStateStatus.Suspended, timeoutNanos: -1, parkArg: null, detach: false);

            // Once we're back in DETACHED we can re-attach
        }
        while (!TryAttach());
    }

    /// <summary>
    /// <c>_PyThreadState_HangThread</c> (3.14): drops the OS thread's reference to its state, then
    /// <c>PyThread_hang_thread</c>: the thread blocks for good (the process's exit ends it).
    /// </summary>
    [DoesNotReturn]
    private void HangThread()
    {
        using var _ = Interp.Runtime.Enter("_PyThreadState_HangThread");
        Decref();
        var never = _hang ??= new AtomicInt(Interp.Runtime, $"{this}: PyThread_hang_thread");
        for (;;)
        {
            Interp.Runtime.ParkingLot.Park(never, 0, timeoutNanos: -1, parkArg: null, detach: false);
        }
    }

    /// <summary>
    /// <c>tstate_delete_common</c>'s part under <c>HEAD_LOCK</c>: "Any ongoing stop-the-world request should not wait for
    /// us because our thread is getting deleted": a state that is not SUSPENDED was counted and will never suspend, so it
    /// takes itself off the countdown of each requested stop.
    /// </summary>
    /// <remarks>
    /// CPython reads <c>tstate-&gt;state</c> first, then each <c>requested</c>; the model reads the requests first (fields
    /// under <c>HEAD_LOCK</c>, no scheduling point) and the state only if one is requested. Neither read has an effect, so
    /// the outcomes are the same, and a thread exit takes no extra step when no stop is requested.
    /// </remarks>
    private void LeaveStopTheWorldCountdowns()
    {
        var interpStw = Interp.StopTheWorldState;
        var runtimeStw = Interp.RuntimeState.StopTheWorldState;
        if ((!interpStw.Requested && !runtimeStw.Requested) || Interp.Config.ThreadStates.DeleteDuringStop == DeleteDuringStop.Unlink)
        {
            return;
        }

        if (State.Load(MemoryOrder.Relaxed) == ThreadStateStatus.Suspended)
        {
            return;
        }

        if (interpStw.Requested)
        {
            interpStw.DecrementCountdown();
        }

        if (runtimeStw.Requested)
        {
            runtimeStw.DecrementCountdown();
        }
    }

    /// <summary>
    /// <c>take_gil</c>'s first step: <c>if (_PyThreadState_MustExit(tstate)) PyThread_exit_thread();</c> ("If Py_Finalize()
    /// has been called and tstate is not the thread which called Py_Finalize(), exit immediately the thread"). It comes
    /// before the check that the GIL is enabled, so it runs in the free-threaded build too.
    /// </summary>
    /// <remarks>3.14 hangs the thread instead (<see cref="DaemonThreadsAtFinalization.HangWhenShuttingDown"/>).</remarks>
    internal void ExitIfMustExit()
    {
        if (!Interp.RuntimeState.MustExit(this))
        {
            return;
        }

        if (Interp.Config.Lifecycle.DaemonThreads == DaemonThreadsAtFinalization.HangWhenShuttingDown)
        {
            HangThread(); // 3.14
        }

        Interp.Runtime.ExitThread(); // PyThread_exit_thread()
    }

    /// <summary>
    /// The invariant a stopped world gives its requester: no other thread of the interpreters it covers attaches until it
    /// restarts. Checked as the state becomes ATTACHED, without a scheduling point.
    /// </summary>
    private void CheckNotAttachedInStoppedWorld()
    {
        foreach (var stw in new[] { Interp.RuntimeState.StopTheWorldState, Interp.StopTheWorldState })
        {
            if (stw.WorldStoppedForCheck && !ReferenceEquals(stw.RequesterForCheck, this))
            {
                Interp.Runtime.Fail($"{this} attached while the world is stopped by {StopTheWorldState.Describe(stw.RequesterForCheck)} ({stw.Name})");
            }
        }
    }

    /// <summary><c>detach_thread</c>'s <c>assert(state == _Py_THREAD_ATTACHED)</c>: only a running thread detaches.</summary>
    private void CheckAttachedToDetach()
    {
        CheckNotFreed("detach_thread");
        var state = State.Peek();
        Interp.Runtime.Check(state == ThreadStateStatus.Attached,
            $"{this} ran Python code while its state was {ThreadStateStatus.Describe(state)} (detach_thread asserts ATTACHED)");
    }

    private void CheckNotFreed(string operation) =>
        Interp.Runtime.Check(!_freed, $"{this}: {operation} on a freed thread state (use after free: _PyThreadState_DeleteList freed it while its thread still ran)");
}
