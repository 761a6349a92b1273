using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Locks;

/// <summary>
/// <c>_PySeqLock</c>: a sequence lock for data read far more often than written, such as the type cache
/// (<c>Include/internal/pycore_lock.h</c>, <c>Python/lock.c</c>, 3.13). A writer makes the sequence odd, writes, and makes
/// it even again; a reader reads the sequence (waiting while it is odd), reads the data, and keeps the data only if
/// the sequence is unchanged (<see cref="EndRead"/>). It is the one primitive that spins instead of parking.
/// </summary>
public sealed class PySeqLock
{
    private readonly SimRuntime _rt;

    /// <summary>Creates a sequence lock at sequence 0.</summary>
    public PySeqLock(SimRuntime runtime, string name)
    {
        _rt = runtime;
        Name = name;
        Sequence = new AtomicInt(runtime, $"{name}.sequence");
    }

    /// <summary>The lock's name.</summary>
    public string Name { get; }

    /// <summary><c>sequence</c>: odd while a write is in progress.</summary>
    public AtomicInt Sequence { get; }

    /// <summary><c>_PySeqLock_LockWrite</c>: moves the sequence to an odd number, spinning while another writer is active.</summary>
    public void LockWrite()
    {
        using var _ = _rt.Enter($"_PySeqLock_LockWrite({Name})");
        var prev = Sequence.Load(MemoryOrder.Relaxed);
        while (true)
        {
            if (IsUpdating(prev))
            {
                // Someone else is currently updating the cache
                _rt.Yield($"{Name} is being written");
                prev = Sequence.Load(MemoryOrder.Relaxed);
            }
            else if (Sequence.CompareExchange(ref prev, prev + 1))
            {
                // We've locked the cache (the release fence is implied: controlled runs are sequentially consistent)
                break;
            }
            else
            {
                _rt.Yield($"{Name} write lock contended");
            }
        }
    }

    /// <summary><c>_PySeqLock_UnlockWrite</c>: publishes the write by making the sequence even again.</summary>
    public void UnlockWrite()
    {
        using var _ = _rt.Enter($"_PySeqLock_UnlockWrite({Name})");
        var newSeq = Sequence.Load(MemoryOrder.Relaxed) + 1;
        _rt.Check(!IsUpdating(newSeq), $"{Name}: unlocked a write that was not in progress");
        Sequence.Store(newSeq);
    }

    /// <summary>
    /// <c>_PySeqLock_AbandonWrite</c>: gives up a write that changed nothing by restoring the sequence it had before
    /// <see cref="LockWrite"/>, so that readers that began before it need not retry.
    /// </summary>
    public void AbandonWrite()
    {
        using var _ = _rt.Enter($"_PySeqLock_AbandonWrite({Name})");
        var newSeq = Sequence.Load(MemoryOrder.Relaxed) - 1;
        _rt.Check(!IsUpdating(newSeq), $"{Name}: abandoned a write that was not in progress");
        Sequence.Store(newSeq);
    }

    /// <summary><c>_PySeqLock_BeginRead</c>: returns an even sequence, spinning while a write is in progress.</summary>
    public int BeginRead()
    {
        using var _ = _rt.Enter($"_PySeqLock_BeginRead({Name})");
        var sequence = Sequence.Load(MemoryOrder.Acquire);
        while (IsUpdating(sequence))
        {
            _rt.Yield($"{Name} is being written");
            sequence = Sequence.Load(MemoryOrder.Acquire);
        }

        return sequence;
    }

    /// <summary>
    /// <c>_PySeqLock_EndRead</c>: true if no write happened since <see cref="BeginRead"/> returned <paramref name="previous"/>,
    /// so the data read in between is consistent; otherwise yields and returns false (the caller retries).
    /// </summary>
    public bool EndRead(int previous)
    {
        using var _ = _rt.Enter($"_PySeqLock_EndRead({Name})");
        if (Sequence.Load(MemoryOrder.Relaxed) == previous)
        {
            return true;
        }

        _rt.Yield($"{Name} changed during the read");
        return false;
    }

    /// <summary><c>_PySeqLock_AfterFork</c>: resets a sequence left odd by a writer that vanished in the fork.</summary>
    public bool AfterFork()
    {
        if (IsUpdating(Sequence.Peek()))
        {
            Sequence.Reinitialize(0);
            return true;
        }

        return false;
    }

    private static bool IsUpdating(int sequence) => (sequence & 1) != 0;
}
