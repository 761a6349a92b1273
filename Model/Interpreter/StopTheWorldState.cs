using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Interpreter;

/// <summary>
/// <c>struct _stoptheworld_state</c> (<c>Include/internal/pycore_interp.h</c>) and the functions that run one stop
/// (<c>stop_the_world</c>, <c>start_the_world</c>, <c>park_detached_threads</c>, <c>decrement_stoptheworld_countdown</c>,
/// <c>Python/pystate.c</c>, 3.13): <c>_PyRuntime.stoptheworld</c> pauses every thread of every interpreter
/// (<c>is_global</c>), <c>interp-&gt;stoptheworld</c> the threads of one interpreter.
/// </summary>
/// <remarks>
/// <para>
/// <c>requested</c>, <c>thread_countdown</c> and <c>requester</c> are read and written only under <c>HEAD_LOCK</c>;
/// <c>world_stopped</c> is written under it too, except by the requester after its wait. The model keeps them as
/// fields that check <c>HEAD_LOCK</c> is held and take no scheduling point of their own: the lock orders every access,
/// so a scheduling point before one adds schedules but no outcome. (Thread creation and exit read <c>requested</c>, so
/// this also keeps every scenario that never stops the world on exactly the schedules it had.) The trace shows the
/// request's values in a note when it starts.
/// </para>
/// <para>
/// Deviations: <c>stop_event</c> is zero-initialised at each request by an atomic store; C assigns the struct. The 1 ms
/// wait on <c>stop_event</c> is a timed parking-lot wait: on the virtual clock it times out when no other thread can run
/// (or earlier, as a controlled choice), never by real time. The lock order is a design choice
/// (<see cref="StopTheWorldLockOrder"/>): 3.13.0 took <c>stw-&gt;mutex</c> first (read in 3.14's source); gh-137433 swapped it.
/// </para>
/// </remarks>
public sealed class StopTheWorldState
{
    /// <summary>The 1 ms <c>PyEvent_WaitTimed</c> on <c>stop_event</c> between two passes of <c>park_detached_threads</c>.</summary>
    public const long PollNanos = 1_000_000;

    private readonly SimRuntime _rt;
    private readonly PyRuntimeState _runtime;
    private readonly PyInterpreterState? _interp;
    private bool _requested;
    private bool _worldStopped;
    private int _countdown;
    private PyThreadState? _requester;

    internal StopTheWorldState(PyRuntimeState runtime, PyInterpreterState? interp, string name)
    {
        _runtime = runtime;
        _interp = interp;
        _rt = runtime.Runtime;
        Name = name;
        Mutex = new PyMutex(_rt, $"{name}.mutex", runtime.LockDesign);
        StopEvent = new PyEvent(_rt, $"{name}.stop_event");
    }

    /// <summary><c>_PyRuntime.stoptheworld</c> or <c>interp&lt;n&gt;.stoptheworld</c>.</summary>
    public string Name { get; }

    /// <summary><c>is_global</c>: the runtime's stop, over every interpreter.</summary>
    public bool IsGlobal => _interp is null;

    /// <summary><c>mutex</c>: serialises the requests of this kind (a detaching <c>PyMutex</c>).</summary>
    public PyMutex Mutex { get; }

    /// <summary><c>stop_event</c>: notified by whoever brings the countdown to zero.</summary>
    public PyEvent StopEvent { get; }

    /// <summary><c>requested</c>, under <c>HEAD_LOCK</c>.</summary>
    internal bool Requested
    {
        get => Guarded(_requested);
        private set => _requested = Guarded(value);
    }

    /// <summary><c>requested</c>, read without the lock (for checks).</summary>
    public bool RequestedForCheck => _requested;

    /// <summary><c>world_stopped</c>, read without the lock (for checks).</summary>
    public bool WorldStoppedForCheck => _worldStopped;

    /// <summary><c>requester</c>, read without the lock (for checks): the thread state that stopped the world, or null.</summary>
    public PyThreadState? RequesterForCheck => _requester;

    /// <summary><c>thread_countdown</c>, read without the lock (for checks).</summary>
    public int CountdownForCheck => _countdown;

    /// <summary>
    /// The interpreters whose threads this stop pauses (<c>_Py_FOR_EACH_STW_INTERP</c>): every interpreter for the global
    /// stop, one for a per-interpreter stop.
    /// </summary>
    internal IEnumerable<PyInterpreterState> Interpreters => _interp is null ? _runtime.InterpretersForCheck : [_interp];

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name} (requested {_requested}, world_stopped {_worldStopped}, countdown {_countdown}, requester {_requester?.ToString() ?? "none"})";

    /// <summary>
    /// <c>stop_the_world</c>: takes the runtime's readers-writer mutex (a writer for the global stop) and this kind's mutex
    /// (in the configured order, <see cref="StopTheWorldLockOrder"/>), counts every other thread under <c>HEAD_LOCK</c>, then until every counted thread is stopped: moves the
    /// DETACHED ones to SUSPENDED and asks the ATTACHED ones to stop (<c>park_detached_threads</c>), and waits up to 1 ms,
    /// attached, on <c>stop_event</c>. Then <c>world_stopped</c>.
    /// </summary>
    /// <remarks>
    /// Checked invariant, once the world is stopped: every counted thread is SUSPENDED (only the requester runs), which
    /// is what the caller relies on.
    /// </remarks>
    internal void StopTheWorld()
    {
        using var _ = _rt.Enter($"stop_the_world({Name})");
        if (_runtime.ThreadStateDesign.LockOrder == StopTheWorldLockOrder.ExclusionFirst)
        {
            LockExclusion();
            Mutex.Lock();
        }
        else
        {
            Mutex.Lock();
            LockExclusion();
        }

        _runtime.HeadLock.LockDontDetach();
        Requested = true;
        _countdown = 0;
        StopEvent.V.Store(LockBits.Unlocked, MemoryOrder.Relaxed); // stw->stop_event = (PyEvent){0}
        _requester = PyThreadState.CurrentOrNull(_rt); // may be NULL
        foreach (var t in Threads())
        {
            if (!ReferenceEquals(t, _requester))
            {
                // Count all the other threads (we don't wait on ourself).
                _countdown++;
            }
        }

        _rt.Note($"{Name}: requested = 1, thread_countdown = {_countdown}, requester = {_requester?.ToString() ?? "NULL"}");
        if (_countdown == 0)
        {
            _runtime.HeadLock.Unlock();
            SetWorldStopped();
            return;
        }

        for (;;)
        {
            // Switch threads that are detached to the GC stopped state
            var stoppedAllThreads = ParkDetachedThreads();
            _runtime.HeadLock.Unlock();
            if (stoppedAllThreads)
            {
                break;
            }

            if (StopEvent.WaitTimed(PollNanos, detach: false))
            {
                _rt.Check(_countdown == 0, $"{Name}: stop_event set while thread_countdown is {_countdown}");
                break;
            }

            _runtime.HeadLock.LockDontDetach();
        }

        SetWorldStopped();
    }

    /// <summary>
    /// <c>start_the_world</c>: under <c>HEAD_LOCK</c>, clears the request, moves every other thread from SUSPENDED to
    /// DETACHED and wakes it (<c>_PyParkingLot_UnparkAll(&amp;t-&gt;state)</c>); then releases the mutexes.
    /// </summary>
    /// <remarks>Checked: every other thread is SUSPENDED (the <c>assert</c> in <c>start_the_world</c>).</remarks>
    internal void StartTheWorld()
    {
        using var _ = _rt.Enter($"start_the_world({Name})");
        _rt.Check(Mutex.IsLockedForCheck, $"start_the_world({Name}) without a stop in progress");
        _runtime.HeadLock.LockDontDetach();
        Requested = false;
        _worldStopped = Guarded(false);

        // Switch threads back to the detached state.
        foreach (var t in Threads())
        {
            if (ReferenceEquals(t, _requester))
            {
                continue;
            }

            var state = t.State.Load(MemoryOrder.Relaxed);
            _rt.Check(state == ThreadStateStatus.Suspended,
                $"start_the_world({Name}): {t} is {ThreadStateStatus.Describe(state)}, not SUSPENDED (assert in start_the_world)");
            t.State.Store(ThreadStateStatus.Detached);
            _rt.ParkingLot.UnparkAll(t.State);
        }

        _requester = null;
        _runtime.HeadLock.Unlock();
        if (_runtime.ThreadStateDesign.LockOrder == StopTheWorldLockOrder.ExclusionFirst)
        {
            Mutex.Unlock();
            UnlockExclusion();
        }
        else
        {
            UnlockExclusion();
            Mutex.Unlock();
        }
    }

    /// <summary>
    /// <c>decrement_stoptheworld_countdown</c>, under <c>HEAD_LOCK</c>: one counted thread has stopped, or is being deleted;
    /// whoever brings the count to zero notifies the requester.
    /// </summary>
    internal void DecrementCountdown()
    {
        _rt.Check(Guarded(_countdown) > 0, $"{Name}: thread_countdown would go below zero (assert in decrement_stoptheworld_countdown)");
        if (--_countdown == 0)
        {
            StopEvent.Notify();
        }
    }

    /// <summary>
    /// <c>park_detached_threads</c>, under <c>HEAD_LOCK</c>: moves each DETACHED thread to SUSPENDED and counts it, sets
    /// <c>_PY_EVAL_PLEASE_STOP_BIT</c> on each ATTACHED one but the requester; true if it parked some and none is left.
    /// </summary>
    private bool ParkDetachedThreads()
    {
        var design = _runtime.ThreadStateDesign;
        var numParked = 0;
        foreach (var t in Threads())
        {
            var state = t.State.Load(MemoryOrder.Relaxed);
            if (state == ThreadStateStatus.Detached)
            {
                // Atomically transition to "suspended" if in "detached" state.
                if (design.ParkDetached == ParkDetachedProtocol.CheckThenStore)
                {
                    t.State.Store(ThreadStateStatus.Suspended);
                    numParked++;
                }
                else if (t.State.CompareExchange(ref state, ThreadStateStatus.Suspended))
                {
                    numParked++;
                }
            }
            else if (state == ThreadStateStatus.Attached && !ReferenceEquals(t, _requester))
            {
                t.SetEvalBreakerBit(EvalBreakerBits.PleaseStop); // _Py_set_eval_breaker_bit(t, _PY_EVAL_PLEASE_STOP_BIT)
            }
        }

        _countdown -= numParked;
        _rt.Check(_countdown >= 0, $"{Name}: thread_countdown is {_countdown} after park_detached_threads (assert)");
        return numParked > 0 && _countdown == 0;
    }

    /// <summary>
    /// <c>stw-&gt;world_stopped = 1</c>, and the invariant the requester now relies on: every other thread it pauses is
    /// SUSPENDED.
    /// </summary>
    private void SetWorldStopped()
    {
        _worldStopped = true;
        foreach (var t in Threads())
        {
            var state = t.State.Peek();
            _rt.Check(ReferenceEquals(t, _requester) || state == ThreadStateStatus.Suspended,
                $"{t} is {ThreadStateStatus.Describe(state)} while the world is stopped by {Describe(_requester)} ({Name})");
        }
    }

    /// <summary>A requester in messages.</summary>
    internal static string Describe(PyThreadState? requester) => requester?.ToString() ?? "a thread without a thread state";

    /// <summary>The thread states of the interpreters this stop covers (<c>_Py_FOR_EACH_TSTATE_UNLOCKED</c>).</summary>
    private IEnumerable<PyThreadState> Threads() => Interpreters.SelectMany(i => i.ThreadStatesForCheck);

    private void LockExclusion()
    {
        if (_runtime.ThreadStateDesign.Exclusion == StopTheWorldExclusion.PerKindMutexOnly)
        {
            return;
        }

        if (IsGlobal)
        {
            _runtime.StopTheWorldMutex.Lock();
        }
        else
        {
            _runtime.StopTheWorldMutex.RLock();
        }
    }

    private void UnlockExclusion()
    {
        if (_runtime.ThreadStateDesign.Exclusion == StopTheWorldExclusion.PerKindMutexOnly)
        {
            return;
        }

        if (IsGlobal)
        {
            _runtime.StopTheWorldMutex.Unlock();
        }
        else
        {
            _runtime.StopTheWorldMutex.RUnlock();
        }
    }

    /// <summary>Checks that <c>HEAD_LOCK</c> is held for an access to a field it guards.</summary>
    private T Guarded<T>(T value)
    {
        _rt.Check(_runtime.HeadLock.IsLockedForCheck, $"{Name}: a field guarded by HEAD_LOCK accessed without it");
        return value;
    }
}
