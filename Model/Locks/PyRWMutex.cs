using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Runtime.Parking;
using Sim.Runtime.Threads;

namespace Sim.Model.Locks;

/// <summary>
/// <c>_PyRWMutex</c>: a readers-writer lock on the parking lot (<c>Include/internal/pycore_lock.h</c>, <c>Python/lock.c</c>, 3.13).
/// <code>
///   bit 0       _Py_WRITE_LOCKED   a writer holds the lock
///   bit 1       _Py_HAS_PARKED     readers or writers are parked
///   bits 2..63  reader count       (_PyRWMutex_READER_SHIFT = 2)
/// </code>
/// Readers do not take the lock while anyone is parked, so a waiting writer is not starved. The lock remembers its
/// writer (ghost state) for deadlock reports (<see cref="IWaitTarget"/>); readers are counted, not named, as in CPython.
/// </summary>
public sealed class PyRWMutex : IWaitTarget
{
    /// <summary><c>_Py_WRITE_LOCKED</c>.</summary>
    public const long WriteLocked = 1;

    /// <summary><c>_Py_HAS_PARKED</c>.</summary>
    public const long HasParked = 2;

    /// <summary><c>_PyRWMutex_READER_SHIFT</c>.</summary>
    public const int ReaderShift = 2;

    private readonly SimRuntime _rt;
    private SimThread? _writer;

    /// <summary>Creates an unlocked readers-writer lock.</summary>
    public PyRWMutex(SimRuntime runtime, string name)
    {
        _rt = runtime;
        Name = name;
        Bits = new AtomicLong(runtime, $"{name}.bits") { FormatValue = Describe };
        Bits.WaitTarget = this;
    }

    /// <summary>The lock's name.</summary>
    public string Name { get; }

    /// <summary><c>bits</c>: the lock word.</summary>
    public AtomicLong Bits { get; }

    /// <inheritdoc/>
    string IWaitTarget.WaitsFor => (Bits.Peek() & WriteLocked) != 0 || Bits.Peek() >> ReaderShift == 0
        ? $"rwmutex {Name}"
        : $"rwmutex {Name} ({Bits.Peek() >> ReaderShift} readers hold it)";

    /// <inheritdoc/>
    SimThread? IWaitTarget.Holder => (Bits.Peek() & WriteLocked) != 0 ? _writer : null;

    /// <summary>The lock word for traces: <c>WRITE_LOCKED|HAS_PARKED</c>, <c>2 readers</c>.</summary>
    public static string Describe(long bits)
    {
        var parts = new List<string>();
        if ((bits & WriteLocked) != 0)
        {
            parts.Add("WRITE_LOCKED");
        }

        if ((bits & HasParked) != 0)
        {
            parts.Add("HAS_PARKED");
        }

        if (bits >> ReaderShift is var readers and not 0)
        {
            parts.Add($"{readers} readers");
        }

        return parts.Count == 0 ? "UNLOCKED" : string.Join("|", parts);
    }

    /// <summary><c>_PyRWMutex_RLock</c>.</summary>
    public void RLock()
    {
        using var _ = _rt.Enter($"_PyRWMutex_RLock({Name})");
        var bits = Bits.Load(MemoryOrder.Relaxed);
        for (;;)
        {
            if ((bits & WriteLocked) != 0 || (bits & HasParked) != 0)
            {
                // A writer holds the lock, or one is waiting: park so as not to starve it.
                bits = SetParkedAndWait(bits);
                continue;
            }

            // The lock is unlocked or read-locked. Try to grab it.
            if (Bits.CompareExchange(ref bits, bits + (1L << ReaderShift)))
            {
                return;
            }
        }
    }

    /// <summary><c>_PyRWMutex_RUnlock</c>.</summary>
    public void RUnlock()
    {
        using var _ = _rt.Enter($"_PyRWMutex_RUnlock({Name})");
        var bits = Bits.FetchAdd(-(1L << ReaderShift));
        _rt.Check(bits >> ReaderShift > 0, $"{Name}: read-unlocked but was not read-locked");
        bits -= 1L << ReaderShift;
        if (bits >> ReaderShift == 0 && (bits & HasParked) != 0)
        {
            _rt.ParkingLot.UnparkAll(Bits);
        }
    }

    /// <summary><c>_PyRWMutex_Lock</c>.</summary>
    public void Lock()
    {
        using var _ = _rt.Enter($"_PyRWMutex_Lock({Name})");
        var bits = Bits.Load(MemoryOrder.Relaxed);
        for (;;)
        {
            // If there are no active readers and it's not already write-locked, then we can grab the lock.
            if ((bits & ~HasParked) == 0)
            {
                if (!Bits.CompareExchange(ref bits, bits | WriteLocked))
                {
                    continue;
                }

                _rt.RecordHolder(ref _writer);
                return;
            }

            // Otherwise, we have to wait.
            bits = SetParkedAndWait(bits);
        }
    }

    /// <summary><c>_PyRWMutex_Unlock</c>.</summary>
    public void Unlock()
    {
        using var _ = _rt.Enter($"_PyRWMutex_Unlock({Name})");
        var oldBits = Bits.Exchange(0);
        _rt.Check((oldBits & WriteLocked) != 0, $"{Name}: write-unlocked but was not write-locked");
        _rt.Check(oldBits >> ReaderShift == 0, $"{Name}: write-unlocked while read-locked");
        if ((oldBits & HasParked) != 0)
        {
            _rt.ParkingLot.UnparkAll(Bits);
        }
    }

    /// <summary><c>rwmutex_set_parked_and_wait</c>: sets <c>_Py_HAS_PARKED</c> and parks; returns the new bits.</summary>
    private long SetParkedAndWait(long bits)
    {
        if ((bits & HasParked) == 0)
        {
            var newval = bits | HasParked;
            if (!Bits.CompareExchange(ref bits, newval))
            {
                return bits;
            }

            bits = newval;
        }

        _rt.ParkingLot.Park(Bits, bits, -1, parkArg: null, detach: true);
        return Bits.Load(MemoryOrder.Relaxed);
    }
}
