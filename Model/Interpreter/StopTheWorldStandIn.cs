using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Interpreter;

/// <summary>
/// A stand-in for stop-the-world (<c>stop_the_world</c>, <c>start_the_world</c>, <c>park_detached_threads</c>,
/// <c>decrement_stoptheworld_countdown</c>, <c>_PyThreadState_Suspend</c>, <c>tstate_wait_attach</c>; <c>Python/pystate.c</c>,
/// 3.13), reduced to what the GIL's transient enable needs: one interpreter's <c>_stoptheworld_state</c> (the mutex,
/// <c>requested</c>, <c>thread_countdown</c>, <c>stop_event</c>, <c>requester</c>) under <c>HEAD_LOCK</c>. The requester
/// moves every detached thread to SUSPENDED, sets <c>_PY_EVAL_PLEASE_STOP_BIT</c> on every attached one (which suspends
/// itself at its next eval-breaker check), and waits for the countdown; a SUSPENDED thread that tries to attach parks on
/// its <c>state</c> until the world restarts.
/// </summary>
/// <remarks>
/// This is the interface the GIL (<see cref="Ceval.CevalState.EnableGilTransient"/>) is written against:
/// <see cref="PyInterpreterState.StopTheWorldAll"/> and <see cref="PyInterpreterState.StartTheWorldAll"/>. The full model
/// (the runtime-wide and per-interpreter requests of <c>_PyRuntime</c>, the <c>_PyRWMutex</c>, several interpreters,
/// deletion during a pause) belongs to the stop-the-world part of issue 6 and is meant to replace this class. Deviations:
/// <c>stoptheworld_mutex</c> (the runtime's <c>_PyRWMutex</c>) is not modelled; <c>requested</c> is read only once a
/// world has been stopped in the run (before that it is 0 and nothing writes it), so thread exits keep their schedules.
/// </remarks>
public sealed class StopTheWorldStandIn
{
    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;
    private readonly PyMutex _mutex;
    private PyThreadState? _requester;
    private PyEvent? _stopEvent;
    private volatile bool _used;

    internal StopTheWorldStandIn(PyInterpreterState interp)
    {
        _interp = interp;
        _rt = interp.Runtime;
        _mutex = new PyMutex(_rt, "stoptheworld.mutex", interp.Config.Locks);
        Requested = new PlainCell<bool>(_rt, "stoptheworld.requested");
        Countdown = new PlainCell<int>(_rt, "stoptheworld.thread_countdown");
    }

    /// <summary><c>requested</c> (under <c>HEAD_LOCK</c>).</summary>
    public PlainCell<bool> Requested { get; }

    /// <summary><c>thread_countdown</c>: threads still to stop (under <c>HEAD_LOCK</c>).</summary>
    public PlainCell<int> Countdown { get; }

    /// <summary><c>world_stopped</c>.</summary>
    public bool WorldStoppedForCheck { get; private set; }

    /// <summary><c>stop_the_world</c>: returns once every other thread state is SUSPENDED.</summary>
    internal void Stop()
    {
        using var _ = _rt.Enter("stop_the_world");
        _used = true;
        _mutex.Lock();
        _interp.HeadLock.LockDontDetach();
        Requested.Write(true);
        Countdown.Write(0);
        _stopEvent = new PyEvent(_rt, "stoptheworld.stop_event");
        _requester = _rt.CurrentThread.ModelState is PyThreadState me && me.State.Peek() == ThreadStateStatus.Attached ? me : null;
        var others = _interp.ThreadStatesForCheck.Count(t => !ReferenceEquals(t, _requester));
        Countdown.Write(others);
        if (others == 0)
        {
            _interp.HeadLock.Unlock();
            WorldStoppedForCheck = true;
            return;
        }

        for (;;)
        {
            var stoppedAll = ParkDetachedThreads();
            _interp.HeadLock.Unlock();
            if (stoppedAll || _stopEvent.WaitTimed(1_000_000, detach: false))
            {
                break;
            }

            _interp.HeadLock.LockDontDetach();
        }

        WorldStoppedForCheck = true;
    }

    /// <summary><c>start_the_world</c>: every other thread state back to DETACHED, its waiters unparked.</summary>
    internal void Start()
    {
        using var _ = _rt.Enter("start_the_world");
        _interp.HeadLock.LockDontDetach();
        Requested.Write(false);
        WorldStoppedForCheck = false;
        foreach (var t in _interp.ThreadStatesForCheck.Where(t => !ReferenceEquals(t, _requester)))
        {
            t.State.Store(ThreadStateStatus.Detached);
            _rt.ParkingLot.UnparkAll(t.State);
        }

        _requester = null;
        _interp.HeadLock.Unlock();
        _mutex.Unlock();
    }

    /// <summary>
    /// <c>_PyThreadState_Suspend</c>, on <c>_PY_EVAL_PLEASE_STOP_BIT</c>: detach to SUSPENDED and count down if a stop is
    /// requested, else just detach.
    /// </summary>
    internal void Suspend(PyThreadState tstate)
    {
        using var _ = _rt.Enter("_PyThreadState_Suspend");
        _interp.HeadLock.LockDontDetach();
        var requested = Requested.Read();
        _interp.HeadLock.Unlock();
        if (!requested)
        {
            tstate.DetachThread(ThreadStateStatus.Detached);
            return;
        }

        tstate.DetachThread(ThreadStateStatus.Suspended);
        _interp.HeadLock.LockDontDetach();
        DecrementCountdown();
        _interp.HeadLock.Unlock();
    }

    /// <summary><c>tstate_wait_attach</c>: while SUSPENDED, park on <c>state</c> (without detaching); then CAS to ATTACHED.</summary>
    internal void WaitAttach(PyThreadState tstate)
    {
        using var _ = _rt.Enter("tstate_wait_attach");
        do
        {
            var state = tstate.State.Load(MemoryOrder.Relaxed);
            if (state == ThreadStateStatus.Suspended)
            {
                _rt.ParkingLot.Park(tstate.State, state, -1, parkArg: null, detach: false);
            }
        }
        while (!tstate.TryAttachCas());
    }

    /// <summary>
    /// <c>new_threadstate</c>, under <c>HEAD_LOCK</c>: "Start in the suspended state if there is an ongoing stop-the-world"
    /// (the new state was not counted, so the requester must not park it).
    /// </summary>
    internal void OnNewThreadState(PyThreadState tstate)
    {
        if (_used && Requested.Read())
        {
            tstate.State.Reinitialize(ThreadStateStatus.Suspended);
        }
    }

    /// <summary>
    /// <c>tstate_delete_common</c>'s "any ongoing stop-the-world request should not wait for us because our thread is getting
    /// deleted", under <c>HEAD_LOCK</c>.
    /// </summary>
    internal void OnDelete(PyThreadState tstate)
    {
        if (_used && tstate.State.Load(MemoryOrder.Relaxed) != ThreadStateStatus.Suspended && Requested.Read())
        {
            DecrementCountdown();
        }
    }

    /// <summary>
    /// <c>park_detached_threads</c>: CAS each DETACHED thread to SUSPENDED, ask each ATTACHED one to stop; true once the
    /// countdown reaches 0 with this call's help.
    /// </summary>
    private bool ParkDetachedThreads()
    {
        var parked = 0;
        foreach (var t in _interp.ThreadStatesForCheck)
        {
            var state = t.State.Load(MemoryOrder.Relaxed);
            if (state == ThreadStateStatus.Detached)
            {
                if (t.State.CompareExchange(ref state, ThreadStateStatus.Suspended))
                {
                    parked++;
                }
            }
            else if (state == ThreadStateStatus.Attached && !ReferenceEquals(t, _requester))
            {
                t.SetEvalBreakerBit(EvalBreakerBits.PleaseStop);
            }
        }

        var countdown = Countdown.Read() - parked;
        Countdown.Write(countdown);
        _rt.Check(countdown >= 0, $"stop-the-world countdown went negative ({countdown})");
        return parked > 0 && countdown == 0;
    }

    /// <summary><c>decrement_stoptheworld_countdown</c>: the last thread to stop notifies the requester.</summary>
    private void DecrementCountdown()
    {
        var countdown = Countdown.Read() - 1;
        Countdown.Write(countdown);
        if (countdown == 0)
        {
            _stopEvent!.Notify();
        }
    }
}
