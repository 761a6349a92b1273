using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Runtime.Parking;
using Sim.Runtime.Threads;

namespace Sim.Model.Locks;

/// <summary>
/// <c>PyEvent</c>: a one-shot event on the parking lot (<c>Include/internal/pycore_lock.h</c>, <c>Python/lock.c</c>, 3.13).
/// The byte is <c>_Py_UNLOCKED</c> (not set, no waiter), <c>_Py_HAS_PARKED</c> (not set, waiters) or <c>_Py_LOCKED</c>
/// (set, for good). <c>_PyEvent_Notify</c> exchanges in <c>_Py_LOCKED</c> and unparks all waiters.
/// </summary>
public sealed class PyEvent : IWaitTarget
{
    private readonly SimRuntime _rt;

    /// <summary>Creates an event that is not set.</summary>
    public PyEvent(SimRuntime runtime, string name)
    {
        _rt = runtime;
        Name = name;
        V = new AtomicInt(runtime, $"{name}.v", LockBits.Unlocked) { FormatValue = LockBits.Describe };
        V.WaitTarget = this;
    }

    /// <summary>
    /// The thread due to set the event, when the Model knows it (the thread whose exit <c>thread_is_exiting</c> announces):
    /// ghost state, read only by deadlock reports (<see cref="IWaitTarget.Holder"/>).
    /// </summary>
    public SimThread? SetBy { get; set; }

    /// <summary>The event's name.</summary>
    public string Name { get; }

    /// <summary><c>v</c>: the event byte.</summary>
    public AtomicInt V { get; }

    /// <summary>True if set, read without a scheduling point (for checks).</summary>
    public bool IsSetForCheck => V.Peek() == LockBits.Locked;

    /// <inheritdoc/>
    string IWaitTarget.WaitsFor => $"event {Name}";

    /// <inheritdoc/>
    SimThread? IWaitTarget.Holder => IsSetForCheck ? null : SetBy;

    /// <summary><c>_PyEvent_IsSet</c>.</summary>
    public bool IsSet()
    {
        using var _ = _rt.Enter($"_PyEvent_IsSet({Name})");
        return V.Load() == LockBits.Locked;
    }

    /// <summary><c>_PyEvent_Notify</c>: sets the event and wakes every waiter. Setting it again does nothing.</summary>
    public void Notify()
    {
        using var _ = _rt.Enter($"_PyEvent_Notify({Name})");
        var v = V.Exchange(LockBits.Locked);
        if (v == LockBits.Unlocked || v == LockBits.Locked)
        {
            // no waiters, or already set
            return;
        }

        _rt.Check(v == LockBits.HasParked, $"{Name}: event byte was {LockBits.Describe(v)}");
        _rt.ParkingLot.UnparkAll(V);
    }

    /// <summary><c>PyEvent_Wait</c>: waits, detached, until the event is set.</summary>
    public void Wait()
    {
        while (!WaitTimed(-1, detach: true))
        {
        }
    }

    /// <summary>
    /// <c>PyEvent_WaitTimed</c>: waits at most <paramref name="timeoutNanos"/> (negative: forever). Returns true if the
    /// event is set.
    /// </summary>
    public bool WaitTimed(long timeoutNanos, bool detach = true)
    {
        using var _ = _rt.Enter($"PyEvent_WaitTimed({Name})");
        for (;;)
        {
            var v = V.Load();
            if (v == LockBits.Locked)
            {
                // event already set
                return true;
            }

            if (v == LockBits.Unlocked && !V.CompareExchange(ref v, LockBits.HasParked))
            {
                continue;
            }

            _rt.ParkingLot.Park(V, LockBits.HasParked, timeoutNanos, parkArg: null, detach);
            return V.Load() == LockBits.Locked;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"PyEvent {Name} ({LockBits.Describe(V.Peek())})";
}
