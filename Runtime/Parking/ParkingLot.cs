using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Parking;

/// <summary>
/// Called by <see cref="ParkingLot.Unpark{TState}"/> under the bucket lock with the dequeued waiter's
/// <c>park_arg</c> (null if nobody waited) and whether more waiters remain: <c>_Py_unpark_fn_t</c>.
/// </summary>
public delegate void UnparkCallback<in TState>(TState state, object? parkArg, bool hasMoreWaiters);

/// <summary>
/// The parking lot of <c>Python/parking_lot.c</c>: threads wait on an address if the word there still holds an expected
/// value, and other threads wake one or all of them. Every blocking primitive of the Model (<c>PyMutex</c>,
/// <c>PyEvent</c>, <c>_PyOnceFlag</c>, <c>_PyRWMutex</c>) is built on it, as in CPython.
/// </summary>
/// <remarks>
/// Deviations: there are no addresses to hash, so each address gets a small number in the order the lot first sees it
/// (per run, so the same schedule always gives the same buckets, in any process) and its bucket is that number modulo
/// <c>NUM_BUCKETS</c>; as in CPython, waiters on other addresses that share the bucket count for an unparker's
/// <c>has_more_waiters</c>. The bucket lock (a <c>_PyRawMutex</c>) is not a scheduling point. In controlled mode each park, unpark and unpark-all is therefore one atomic step, and
/// an unpark callback's atomic accesses take no scheduling point of their own, as MECHANISMS.md (A7) prescribes.
/// A timed park's timeout is virtual in controlled mode: it fires when no thread can run any more (the clock jumps to
/// the deadline), or earlier as a controlled choice, never by real time.
/// </remarks>
public sealed class ParkingLot
{
    /// <summary><c>NUM_BUCKETS</c>.</summary>
    private const int NumBuckets = 257;

    private readonly SimRuntime _runtime;
    private readonly Dictionary<IParkAddress, int> _addressNumbers = new(ReferenceEqualityComparer.Instance);
    private List<ParkWaiter>?[] _buckets = new List<ParkWaiter>?[NumBuckets];

    internal ParkingLot(SimRuntime runtime) => _runtime = runtime;

    /// <summary>
    /// Parks the current thread on <paramref name="address"/> if it holds <paramref name="expected"/>
    /// (<c>_PyParkingLot_Park</c>).
    /// </summary>
    /// <param name="address">The word to wait on.</param>
    /// <param name="expected">The value the word must hold for the thread to park.</param>
    /// <param name="timeoutNanos">The timeout in nanoseconds; negative waits forever, as in CPython.</param>
    /// <param name="parkArg">Handed to the unparker's callback (<c>park_arg</c>).</param>
    /// <param name="detach">Detach the thread state while blocked (runs the thread's park hooks, <see cref="SimThread.AddParkHooks"/>).</param>
    public ParkResult Park(IParkAddress address, long expected, long timeoutNanos = -1, object? parkArg = null, bool detach = true)
    {
        ArgumentNullException.ThrowIfNull(address);
        var platform = _runtime.Platform;
        var me = _runtime.CurrentThread;
        platform.Step(AccessKind.Park, address.Name, expected, timeoutNanos >= 0 ? timeoutNanos : null);

        var bucket = BucketFor(address);
        var wait = new ParkWaiter(me, address, parkArg);
        lock (bucket)
        {
            if (!address.Holds(expected))
            {
                platform.Note(AccessKind.Unparked, address.Name, "value changed, not parked (Py_PARK_AGAIN)");
                return ParkResult.Again;
            }

            bucket.Add(wait);
        }

        var hooks = detach ? me.BeforeBlock() : default;
        var result = ParkResult.Ok;
        if (!platform.WaitForWake(me, wait, timeoutNanos, address.Name))
        {
            bool unparking;
            lock (bucket)
            {
                unparking = wait.IsUnparking;
                if (!unparking)
                {
                    bucket.Remove(wait);
                }
            }

            if (unparking)
            {
                // Another thread has started to unpark us: wait for its wake-up.
                platform.WaitForWake(me, wait, -1, address.Name);
            }
            else
            {
                result = ParkResult.Timeout;
            }
        }

        if (me.IsGone)
        {
            throw new ThreadGoneException(me);
        }

        if (_runtime.HasEnded)
        {
            throw new RunEndedException();
        }

        hooks.AfterBlock();
        platform.Note(AccessKind.Unparked, address.Name, result == ParkResult.Ok ? "woken (Py_PARK_OK)" : "timed out (Py_PARK_TIMEOUT)");
        return result;
    }

    /// <summary>
    /// Wakes the first thread parked on <paramref name="address"/>, calling <paramref name="callback"/> under the bucket
    /// lock first (<c>_PyParkingLot_Unpark</c>). The callback runs even if nobody waits, with a null park argument.
    /// </summary>
    public void Unpark<TState>(IParkAddress address, TState state, UnparkCallback<TState> callback)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(callback);
        var platform = _runtime.Platform;
        platform.Step(AccessKind.Unpark, address.Name);

        var bucket = BucketFor(address);
        ParkWaiter? waiter;
        lock (bucket)
        {
            waiter = Dequeue(bucket, address);
            using (platform.AtomicSection())
            {
                callback(state, waiter?.ParkArg, waiter is not null && bucket.Count > 0);
            }
        }

        if (waiter is not null)
        {
            platform.Wake(waiter);
        }

        platform.Note(AccessKind.Unpark, address.Name, waiter is null ? "nobody waiting" : $"woke {waiter.Thread}");
    }

    /// <summary>Wakes every thread parked on <paramref name="address"/> (<c>_PyParkingLot_UnparkAll</c>).</summary>
    public void UnparkAll(IParkAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var platform = _runtime.Platform;
        platform.Step(AccessKind.UnparkAll, address.Name);

        var bucket = BucketFor(address);
        var woken = new List<ParkWaiter>();
        lock (bucket)
        {
            while (Dequeue(bucket, address) is { } w)
            {
                woken.Add(w);
            }
        }

        foreach (var w in woken)
        {
            platform.Wake(w);
        }

        platform.Note(AccessKind.UnparkAll, address.Name, woken.Count == 0 ? "nobody waiting" : $"woke {string.Join(", ", woken.Select(w => w.Thread))}");
    }

    /// <summary>
    /// Forgets every waiter (<c>_PyParkingLot_AfterFork</c>): after a fork only the forking thread exists, so every
    /// entry belongs to a thread that is gone.
    /// </summary>
    public void AfterFork() => _buckets = new List<ParkWaiter>?[NumBuckets];

    /// <summary>Wakes the entries of threads that vanished in a simulated fork, so that they unwind.</summary>
    internal void WakeGone() => Wake(w => w.Thread.IsGone);

    /// <summary>Wakes every parked thread: the run has ended and they must unwind.</summary>
    internal void WakeAll() => Wake(_ => true);

    private void Wake(Func<ParkWaiter, bool> which)
    {
        foreach (var bucket in _buckets)
        {
            if (bucket is null)
            {
                continue;
            }

            List<ParkWaiter> gone;
            lock (bucket)
            {
                gone = bucket.Where(which).ToList();
            }

            foreach (var w in gone)
            {
                _runtime.Platform.Wake(w);
            }
        }
    }

    private static ParkWaiter? Dequeue(List<ParkWaiter> bucket, IParkAddress address)
    {
        for (var i = 0; i < bucket.Count; i++)
        {
            var w = bucket[i];
            if (ReferenceEquals(w.Address, address))
            {
                bucket.RemoveAt(i);
                w.IsUnparking = true;
                return w;
            }
        }

        return null;
    }

    private List<ParkWaiter> BucketFor(IParkAddress address)
    {
        var buckets = _buckets;
        int i;
        lock (_addressNumbers)
        {
            if (!_addressNumbers.TryGetValue(address, out i))
            {
                i = _addressNumbers.Count % NumBuckets;
                _addressNumbers.Add(address, i);
            }
        }

        var bucket = Volatile.Read(ref buckets[i]);
        if (bucket is null)
        {
            Interlocked.CompareExchange(ref buckets[i], new List<ParkWaiter>(), null);
            bucket = buckets[i]!;
        }

        return bucket;
    }
}
