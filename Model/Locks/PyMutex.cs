using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Runtime.Parking;
using Sim.Runtime.Threads;

namespace Sim.Model.Locks;

/// <summary>
/// <c>PyMutex</c>: a one-byte mutex on the parking lot (<c>Include/cpython/lock.h</c>, <c>Python/lock.c</c>, 3.13).
/// The byte holds <see cref="LockBits.Locked"/> and <see cref="LockBits.HasParked"/>. Locking tries a CAS, then spins up to
/// <c>MAX_SPIN_COUNT</c> times, then sets <c>_Py_HAS_PARKED</c> and parks. Unlocking with <c>_Py_HAS_PARKED</c> set wakes one
/// waiter and, if that waiter has waited longer than <c>TIME_TO_BE_FAIR_NS</c>, hands it the lock directly; otherwise
/// the lock is released and the woken waiter competes for it again. The mutex is unfair until a waiter has waited
/// 1 ms, then fair for that waiter.
/// </summary>
/// <remarks>
/// Deviation: the simulation delivers no signals, so <c>PY_LOCK_INTR</c> never happens. Time is the runtime's
/// monotonic clock (virtual in controlled mode). The mutex remembers the thread that holds it (ghost state CPython does
/// not keep), only so that a deadlock report can name the holder (<see cref="IWaitTarget"/>): under exploration only
/// (<see cref="SimRuntime.RecordHolder"/>), since no report reads it in production mode.
/// </remarks>
public sealed class PyMutex : IWaitTarget
{
    private readonly SimRuntime _rt;
    private readonly LockDesign _design;
    private SimThread? _holder;

    /// <summary>Creates an unlocked mutex.</summary>
    /// <param name="runtime">The runtime.</param>
    /// <param name="name">Its name in traces (for example <c>HEAD_LOCK</c>).</param>
    /// <param name="design">The lock design; CPython 3.13's by default.</param>
    public PyMutex(SimRuntime runtime, string name, LockDesign? design = null)
    {
        _rt = runtime;
        _design = design ?? LockDesign.Cpython313;
        Name = name;
        Bits = new AtomicInt(runtime, $"{name}._bits", LockBits.Unlocked) { FormatValue = LockBits.Describe };
        Bits.WaitTarget = this;
        Address = runtime.NewAddress();
    }

    /// <summary>The mutex's name.</summary>
    public string Name { get; }

    /// <summary>
    /// The mutex's address (<c>&amp;m-&gt;_bits</c>): fixed at creation, unique in the run. Critical sections lock two mutexes
    /// in the order of their addresses.
    /// </summary>
    public long Address { get; }

    /// <summary><c>_bits</c>: the lock byte.</summary>
    public AtomicInt Bits { get; }

    /// <summary>True if the byte says locked, read without a scheduling point (for checks: <c>PyMutex_IsLocked</c>).</summary>
    public bool IsLockedForCheck => (Bits.Peek() & LockBits.Locked) != 0;

    /// <inheritdoc/>
    string IWaitTarget.WaitsFor => $"mutex {Name}";

    /// <inheritdoc/>
    SimThread? IWaitTarget.Holder => IsLockedForCheck ? _holder : null;

    /// <summary><c>PyMutex_Lock</c>: the fast-path CAS, then <c>_PyMutex_LockTimed(m, -1, _PY_LOCK_DETACH)</c>.</summary>
    public void Lock()
    {
        using var _ = _rt.Enter($"PyMutex_Lock({Name})");
        var expected = LockBits.Unlocked;
        if (!Bits.CompareExchange(ref expected, LockBits.Locked))
        {
            LockTimed(-1, PyLockFlags.Detach);
            return;
        }

        Acquired();
    }

    /// <summary>
    /// <c>PyMutex_LockFast</c> (<c>Include/internal/pycore_lock.h</c>): one CAS from unlocked to <c>_Py_LOCKED</c>; false if
    /// the byte was anything else (locked, or unlocked with waiters parked), in which case the caller takes the slow path.
    /// </summary>
    public bool LockFast()
    {
        var expected = LockBits.Unlocked;
        return Bits.CompareExchange(ref expected, LockBits.Locked);
    }

    /// <summary>Locks without detaching the thread state (<c>PyMutex_LockFlags(m, _Py_LOCK_DONT_DETACH)</c>).</summary>
    public void LockDontDetach()
    {
        using var _ = _rt.Enter($"PyMutex_LockFlags({Name})");
        var expected = LockBits.Unlocked;
        if (!Bits.CompareExchange(ref expected, LockBits.Locked))
        {
            LockTimed(-1, PyLockFlags.DontDetach);
            return;
        }

        Acquired();
    }

    /// <summary>
    /// <c>_PyMutex_LockTimed</c>: locks, waiting at most <paramref name="timeoutNanos"/> (negative: forever; zero: do not wait).
    /// </summary>
    public PyLockStatus LockTimed(long timeoutNanos, PyLockFlags flags)
    {
        using var _ = _rt.Enter($"_PyMutex_LockTimed({Name})");
        var v = Bits.Load(MemoryOrder.Relaxed);
        if ((v & LockBits.Locked) == 0)
        {
            if (Bits.CompareExchange(ref v, v | LockBits.Locked))
            {
                return Acquired();
            }
        }
        else if (timeoutNanos == 0)
        {
            return PyLockStatus.Failure;
        }

        var now = _rt.MonotonicNanos;
        var endtime = timeoutNanos > 0 ? now + timeoutNanos : 0;
        var entry = new MutexEntry(now + _design.TimeToBeFairNanos);
        var spinCount = 0;
        for (;;)
        {
            if ((v & LockBits.Locked) == 0)
            {
                // The lock is unlocked. Try to grab it.
                if (Bits.CompareExchange(ref v, v | LockBits.Locked))
                {
                    return Acquired();
                }

                continue;
            }

            if ((v & LockBits.HasParked) == 0 && spinCount < _design.MaxSpinCount)
            {
                // Spin for a bit. (As in lock.c, v is not reloaded: the CAS below sees the current value.)
                _rt.Yield($"{Name} is locked");
                spinCount++;
                continue;
            }

            if (timeoutNanos == 0)
            {
                return PyLockStatus.Failure;
            }

            var newv = v;
            if ((v & LockBits.HasParked) == 0)
            {
                // We are the first waiter. Set the _Py_HAS_PARKED flag.
                newv = v | LockBits.HasParked;
                if (!Bits.CompareExchange(ref v, newv))
                {
                    continue;
                }
            }

            var ret = _rt.ParkingLot.Park(Bits, newv, timeoutNanos, entry, detach: (flags & PyLockFlags.Detach) != 0);
            if (ret == ParkResult.Ok)
            {
                if (entry.HandedOff)
                {
                    // We own the lock now.
                    _rt.Check((Bits.Peek() & LockBits.Locked) != 0, $"{Name}: handed off to a waiter but not LOCKED");
                    return Acquired();
                }
            }
            else if (ret == ParkResult.Timeout)
            {
                return PyLockStatus.Failure;
            }

            if (timeoutNanos > 0)
            {
                timeoutNanos = Math.Max(0, endtime - _rt.MonotonicNanos);
            }

            v = Bits.Load(MemoryOrder.Relaxed);
        }
    }

    /// <summary><c>PyMutex_Unlock</c>: the fast-path CAS, then <c>_PyMutex_TryUnlock</c>; unlocking an unlocked mutex is fatal.</summary>
    public void Unlock()
    {
        using var _ = _rt.Enter($"PyMutex_Unlock({Name})");
        _holder = null;
        var expected = LockBits.Locked;
        if (!Bits.CompareExchange(ref expected, LockBits.Unlocked) && TryUnlock() < 0)
        {
            _rt.Fail($"unlocking mutex {Name} that is not locked");
        }
    }

    /// <summary><c>_PyMutex_TryUnlock</c>: 0 on success, -1 if the mutex was not locked.</summary>
    public int TryUnlock()
    {
        var v = Bits.Load();
        for (;;)
        {
            if ((v & LockBits.Locked) == 0)
            {
                // error: the mutex is not locked
                return -1;
            }

            if ((v & LockBits.HasParked) != 0)
            {
                if (_design.MutexUnlock == MutexUnlockProtocol.IgnoreParkedWaiters)
                {
                    // Broken design: drop the lock and the HAS_PARKED bit without waking anyone.
                    Bits.Exchange(LockBits.Unlocked);
                    return 0;
                }

                // wake up a single thread
                _rt.ParkingLot.Unpark(Bits, this, static (m, parkArg, more) => m.MutexUnpark(parkArg as MutexEntry, more));
                return 0;
            }

            if (Bits.CompareExchange(ref v, LockBits.Unlocked))
            {
                // fast-path: no waiters
                return 0;
            }
        }
    }

    /// <summary>Remembers the calling thread as the holder (ghost state for deadlock reports).</summary>
    private PyLockStatus Acquired()
    {
        _rt.RecordHolder(ref _holder);
        return PyLockStatus.Acquired;
    }

    /// <summary>Re-initialises the byte with a plain store, as the after-fork child does for global mutexes.</summary>
    public void ReinitializeAfterFork() => Bits.Reinitialize(LockBits.Unlocked);

    /// <inheritdoc/>
    public override string ToString() => $"PyMutex {Name} ({LockBits.Describe(Bits.Peek())})";

    /// <summary><c>mutex_unpark</c>: runs under the bucket lock, with the dequeued waiter's entry (null if none).</summary>
    private void MutexUnpark(MutexEntry? entry, bool hasMoreWaiters)
    {
        var v = LockBits.Unlocked;
        if (entry is not null)
        {
            var shouldBeFair = _rt.MonotonicNanos > entry.TimeToBeFair;
            entry.HandedOff = shouldBeFair;
            if (shouldBeFair)
            {
                v |= LockBits.Locked;
            }

            if (hasMoreWaiters)
            {
                v |= LockBits.HasParked;
            }
        }

        Bits.Store(v);
    }

    /// <summary><c>struct mutex_entry</c>: the waiter's park argument.</summary>
    private sealed class MutexEntry(long timeToBeFair)
    {
        /// <summary>After this time the unlocking thread hands the lock off. Written by the waiter.</summary>
        public long TimeToBeFair { get; } = timeToBeFair;

        /// <summary>Set if the lock was handed off. Written by the unlocking thread (under the bucket lock).</summary>
        public bool HandedOff { get; set; }
    }
}
