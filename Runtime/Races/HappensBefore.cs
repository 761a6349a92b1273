using Sim.Runtime.Cells;
using Sim.Runtime.Parking;
using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Races;

/// <summary>
/// The happens-before race detector of one controlled iteration: the check CPython's CI gets from ThreadSanitizer.
/// Every thread carries a vector clock; synchronisation moves clocks along the edges below, and every plain-cell access
/// is checked against the field's last write and the reads since (the FastTrack algorithm: Flanagan and Freund, PLDI
/// 2009). Two accesses to one plain field by different threads, at least one a write, with no edge between them, are a
/// <see cref="DataRace"/>, whatever the values were.
/// </summary>
/// <remarks>
/// Edges, as C11 and CPython define them:
/// <list type="bullet">
/// <item>Atomics by memory order (<c>pyatomic.h</c>): a store, read-modify-write or successful compare-exchange that is
/// <c>_release</c>, acq_rel or sequentially consistent publishes the thread's clock on the location; a load,
/// read-modify-write or compare-exchange (successful or not) that is <c>_acquire</c>, acq_rel or sequentially consistent
/// takes it. A read-modify-write continues the location's release sequence (it adds to the published clock; a relaxed
/// one adds nothing), a relaxed store ends it (C++20's rule). Relaxed accesses give no edge.</item>
/// <item>The parking lot (<c>Python/parking_lot.c</c>): the bucket lock orders every park, unpark and unpark-all on an
/// address; the park's comparison of the word is a sequentially consistent load (<c>atomic_memcmp</c>); an unpark
/// happens before the woken thread resumes (the semaphore). Everything on the parking lot (<c>PyMutex</c>,
/// <c>PyEvent</c>, <c>_PyOnceFlag</c>, <c>_PyRWMutex</c>, and what is built on them) gets its edges from these and from
/// its atomics.</item>
/// <item>Threads: starting a thread happens before its first step; a thread's exit happens before the return of a join
/// of it; after a simulated <c>fork()</c> the child is ordered after every step of the threads that vanished.</item>
/// </list>
/// Deviations: the bucket lock is modelled per address, not per bucket, so two addresses that share a bucket in
/// CPython (a hash collision) do not synchronise through it here: an accidental edge nobody may rely on. A cell's
/// initial value is not an access. Exploration is sequentially consistent, so a load reads the latest store, and the
/// edges are those of that execution.
/// </remarks>
internal sealed class HappensBefore
{
    private readonly Dictionary<IParkAddress, VectorClock> _buckets = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<RacyField> _racyFields = [];
    private VectorClock?[] _threads = new VectorClock?[8];
    private VectorClock?[] _exits = new VectorClock?[8];

    /// <summary>The deliberately racy fields this iteration touched (their accesses were not checked).</summary>
    public IReadOnlyCollection<RacyField> RacyFields => _racyFields;

    /// <summary>A thread starts <paramref name="child"/>: everything the parent did so far happens before the child's steps.</summary>
    public void Started(SimThread parent, SimThread child)
    {
        var clock = ClockOf(child);
        clock.Join(ClockOf(parent));
        Tick(parent);
    }

    /// <summary><paramref name="thread"/> exits: what a join of it will acquire.</summary>
    public void Exited(SimThread thread) => Slot(ref _exits, thread.Id) = ClockOf(thread).Copy();

    /// <summary><paramref name="joiner"/> returns from joining <paramref name="target"/>, which has exited.</summary>
    public void Joined(SimThread joiner, SimThread target)
    {
        if (target.Id < _exits.Length && _exits[target.Id] is { } exit)
        {
            ClockOf(joiner).Join(exit);
        }
    }

    /// <summary><paramref name="child"/> continues after <c>fork()</c>: every other thread vanished, their steps are behind it.</summary>
    public void Forked(SimThread child, IEnumerable<SimThread> vanished)
    {
        var clock = ClockOf(child);
        foreach (var t in vanished)
        {
            clock.Join(ClockOf(t));
        }
    }

    /// <summary>
    /// An atomic access, as it begins: the acquire of a load, read-modify-write or compare-exchange, and the release of
    /// a store or read-modify-write. A compare-exchange releases only once it is known to have succeeded (<see cref="CompareExchanged"/>).
    /// </summary>
    public void Atomic(SimThread thread, SharedCell cell, AccessKind kind, MemoryOrder order)
    {
        var shadow = cell.Shadow ??= new CellShadow();
        switch (kind)
        {
            case AccessKind.Load or AccessKind.CompareExchange:
                AcquireIf(thread, shadow, order);
                break;
            case AccessKind.Store when Releases(order):
                Release(thread, shadow.Released ??= new VectorClock(), accumulate: false);
                break;
            case AccessKind.Store:
                shadow.Released?.Clear();
                break;
            case AccessKind.Exchange or AccessKind.FetchAdd or AccessKind.FetchOr or AccessKind.FetchAnd:
                AcquireIf(thread, shadow, order);
                if (Releases(order))
                {
                    Release(thread, shadow.Released ??= new VectorClock(), accumulate: true);
                }

                break;
        }
    }

    /// <summary>A compare-exchange's outcome: a success with a releasing order publishes the thread's clock.</summary>
    public void CompareExchanged(SimThread thread, SharedCell cell, MemoryOrder order, bool success)
    {
        if (success && Releases(order))
        {
            Release(thread, (cell.Shadow ??= new CellShadow()).Released ??= new VectorClock(), accumulate: true);
        }
    }

    /// <summary>
    /// A plain access: checks it against the field's last write (and, for a write, the reads since), then remembers it.
    /// Returns the race it found, or null. A field declared racy is not checked, only listed.
    /// </summary>
    public DataRace? Plain(SimThread thread, SharedCell cell, bool write, StepRecord step)
    {
        if (cell.Racy is { } reason)
        {
            _racyFields.Add(new RacyField(cell.Name, reason));
            return null;
        }

        var clock = ClockOf(thread);
        var shadow = cell.Shadow ??= new CellShadow();
        var race = shadow.LastWrite is { } w && Unordered(w, thread, clock) ? Race(cell, w, step, write) : null;
        if (write)
        {
            if (race is null && shadow.Reads is { } reads)
            {
                foreach (var r in reads)
                {
                    if (Unordered(r, thread, clock))
                    {
                        race = Race(cell, r, step, write);
                        break;
                    }
                }
            }

            shadow.LastWrite = new PlainAccess(thread.Id, clock[thread.Id], step);
            shadow.Reads?.Clear();
        }
        else
        {
            var reads = shadow.Reads ??= [];
            reads.RemoveAll(r => r.Thread == thread.Id);
            reads.Add(new PlainAccess(thread.Id, clock[thread.Id], step));
        }

        return race;
    }

    /// <summary>
    /// <paramref name="thread"/> takes <paramref name="address"/>'s bucket lock (<c>_PyRawMutex_Lock(&amp;bucket-&gt;mutex)</c>);
    /// when it parks, it then compares the word (<c>atomic_memcmp</c>, a sequentially consistent load).
    /// </summary>
    public void EnterBucket(SimThread thread, IParkAddress address, bool comparesWord)
    {
        if (_buckets.TryGetValue(address, out var bucket))
        {
            ClockOf(thread).Join(bucket);
        }

        if (comparesWord && address is SharedCell { Shadow.Released: { } released })
        {
            ClockOf(thread).Join(released);
        }
    }

    /// <summary><paramref name="thread"/> releases <paramref name="address"/>'s bucket lock.</summary>
    public void LeaveBucket(SimThread thread, IParkAddress address)
    {
        if (!_buckets.TryGetValue(address, out var bucket))
        {
            _buckets[address] = bucket = new VectorClock();
        }

        Release(thread, bucket, accumulate: false);
    }

    /// <summary><paramref name="waker"/> posts the waiter's semaphore (<c>_PySemaphore_Wakeup</c>).</summary>
    public void Woke(SimThread waker, ParkWaiter waiter)
    {
        waiter.WakeClock = ClockOf(waker).Copy();
        Tick(waker);
    }

    /// <summary>The parked thread returns from its semaphore wait, woken.</summary>
    public void Resumed(SimThread thread, ParkWaiter waiter)
    {
        if (waiter.WakeClock is { } clock)
        {
            ClockOf(thread).Join(clock);
        }
    }

    private static bool Releases(MemoryOrder order) => order is MemoryOrder.Release or MemoryOrder.AcquireRelease or MemoryOrder.SeqCst;

    private static bool Acquires(MemoryOrder order) => order is MemoryOrder.Acquire or MemoryOrder.AcquireRelease or MemoryOrder.SeqCst;

    /// <summary>True if <paramref name="earlier"/>, by another thread, does not happen before the thread whose clock is <paramref name="clock"/>.</summary>
    private static bool Unordered(PlainAccess earlier, SimThread thread, VectorClock clock) =>
        earlier.Thread != thread.Id && earlier.Epoch > clock[earlier.Thread];

    private static DataRace Race(SharedCell cell, PlainAccess earlier, StepRecord later, bool laterWrites) => new(
        cell.Name,
        new RaceAccess(earlier.Thread, earlier.Step.Thread.Name, earlier.Step.Operation, earlier.Step.Kind == AccessKind.Write, earlier.Step.Index),
        new RaceAccess(later.Thread.Id, later.Thread.Name, later.Operation, laterWrites, later.Index));

    private static ref VectorClock? Slot(ref VectorClock?[] clocks, int id)
    {
        if (id >= clocks.Length)
        {
            Array.Resize(ref clocks, Math.Max(id + 1, clocks.Length * 2));
        }

        return ref clocks[id];
    }

    private void AcquireIf(SimThread thread, CellShadow shadow, MemoryOrder order)
    {
        if (Acquires(order) && shadow.Released is { } released)
        {
            ClockOf(thread).Join(released);
        }
    }

    /// <summary>Publishes the thread's clock on <paramref name="target"/> (replacing or adding to it), then starts the thread's next epoch.</summary>
    private void Release(SimThread thread, VectorClock target, bool accumulate)
    {
        var clock = ClockOf(thread);
        if (accumulate)
        {
            target.Join(clock);
        }
        else
        {
            target.CopyFrom(clock);
        }

        Tick(thread);
    }

    private void Tick(SimThread thread)
    {
        var clock = ClockOf(thread);
        clock.Set(thread.Id, clock[thread.Id] + 1);
    }

    /// <summary>The thread's clock; a thread's first epoch is 1, so that a clock that never heard of it (0) is not after it.</summary>
    private VectorClock ClockOf(SimThread thread)
    {
        ref var slot = ref Slot(ref _threads, thread.Id);
        if (slot is null)
        {
            slot = new VectorClock(thread.Id + 1);
            slot.Set(thread.Id, 1);
        }

        return slot;
    }
}
