using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Runtime.Parking;

namespace Sim.Model.Locks;

/// <summary>
/// <c>PyCOND_T</c> with its <c>PyMUTEX_T</c> (<c>Python/condvar.h</c>, 3.13; a <c>pthread_cond_t</c> on POSIX), as the GIL
/// uses it: <c>COND_WAIT</c>, <c>COND_TIMED_WAIT</c> and <c>COND_SIGNAL</c> of <c>Python/ceval_gil.c</c>. Waiting atomically
/// releases the mutex and starts waiting, and re-acquires the mutex before it returns; a signal wakes at least one waiter;
/// a waiter may also wake spuriously, so callers re-check their condition in a loop.
/// </summary>
/// <remarks>
/// Deviation: modelled on the parking lot rather than on a pthread condition variable. The word parked on is a sequence
/// number that every signal increments; a waiter reads it while it still holds the mutex, then unlocks and parks while
/// the number is unchanged. A signal sent between the unlock and the park changes the number, so the park returns at once
/// (a spurious wake-up): no signal is lost. <see cref="CondWait.UnlockThenWait"/> breaks exactly that. The mutex is a
/// <see cref="PyMutex"/> taken without detaching.
/// </remarks>
public sealed class PyCondVar
{
    private readonly SimRuntime _rt;
    private readonly CondWait _design;

    /// <summary>Creates a condition variable (<c>COND_INIT</c>).</summary>
    public PyCondVar(SimRuntime runtime, string name, CondWait design = CondWait.AtomicUnlockAndWait)
    {
        _rt = runtime;
        _design = design;
        Name = name;
        Seq = new AtomicInt(runtime, $"{name}.seq");
    }

    /// <summary>The condition variable's name.</summary>
    public string Name { get; }

    /// <summary>The sequence word that waiters park on and signals increment.</summary>
    public AtomicInt Seq { get; }

    /// <summary><c>COND_WAIT(cond, mutex)</c>: waits, with <paramref name="mutex"/> held on entry and on return.</summary>
    public void Wait(PyMutex mutex) => TimedWait(mutex, -1);

    /// <summary>
    /// <c>COND_TIMED_WAIT(cond, mutex, microseconds, timed_out)</c>: waits at most <paramref name="timeoutNanos"/>
    /// (negative: forever), with <paramref name="mutex"/> held on entry and on return. True if the wait timed out.
    /// </summary>
    public bool TimedWait(PyMutex mutex, long timeoutNanos)
    {
        ArgumentNullException.ThrowIfNull(mutex);
        using var _ = _rt.Enter($"PyCOND_TIMEDWAIT({Name})");
        int seq;
        if (_design == CondWait.AtomicUnlockAndWait)
        {
            seq = Seq.Load(MemoryOrder.Relaxed);
            mutex.Unlock();
        }
        else
        {
            mutex.Unlock();
            seq = Seq.Load(MemoryOrder.Relaxed);
        }

        var result = _rt.ParkingLot.Park(Seq, seq, timeoutNanos, parkArg: null, detach: false);
        mutex.LockDontDetach();
        return result == ParkResult.Timeout;
    }

    /// <summary><c>COND_SIGNAL(cond)</c>: wakes one waiter, if any.</summary>
    public void Signal()
    {
        using var _ = _rt.Enter($"PyCOND_SIGNAL({Name})");
        Seq.FetchAdd(1);
        _rt.ParkingLot.Unpark(Seq, this, static (_, _, _) => { });
    }

    /// <inheritdoc/>
    public override string ToString() => $"PyCOND {Name}";
}

/// <summary>How <see cref="PyCondVar"/> goes from holding the mutex to waiting.</summary>
public enum CondWait
{
    /// <summary>POSIX (<c>pthread_cond_wait</c>): unlocking the mutex and starting to wait are one atomic step.</summary>
    AtomicUnlockAndWait,

    /// <summary>
    /// Broken: the mutex is unlocked, then the wait starts, and a signal in between is lost: the hazard
    /// <c>drop_gil</c>'s comment on its <c>COND_WAIT</c> names ("if COND_WAIT does not atomically start waiting when
    /// releasing the mutex, another thread can run through, take the GIL and drop it again, and reset the condition before
    /// we even had a chance to wait for it").
    /// </summary>
    UnlockThenWait,
}
