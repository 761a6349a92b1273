using System.Diagnostics;

namespace Sim.Runtime.Stress;

/// <summary>
/// The start gate of a stress run, after jcstress's actors that a barrier releases together: the threads the main body
/// starts wait here, spinning, until every one of them is on its OS thread; the last to arrive opens the gate, so they
/// start their bodies within a fraction of a microsecond of each other instead of one OS thread start (60 to 100 µs)
/// apart.
/// </summary>
/// <remarks>
/// The main thread arms the gate when it has started as many threads as the previous runs did before their first wait
/// (so that its own work after the last start overlaps theirs too), or at its first wait, yield or the end of its body,
/// whichever comes first. Holding a thread back is only a slow start, which the OS may always impose, and the gate never
/// holds one past a point where the main thread could wait for it. Threads started after that, or by other threads,
/// start at once. The gate opens when it is armed and every enlisted thread has arrived, whoever sees that last: the
/// opener is then running, and the others are spinning, not waiting to be woken. On a machine with fewer cores than
/// threads, the spinners yield now and then so that the threads still on their way get a core.
/// </remarks>
internal sealed class StartGate
{
    /// <summary>How long a waiter spins before it blocks (a gate that long shut is waiting for the main thread).</summary>
    private static readonly long s_spinTicks = Stopwatch.Frequency / 500;

    private readonly object _lock = new();
    private readonly int _expected;
    private int _count;
    private int _arrived;
    private int _armed;
    private volatile bool _open;

    /// <param name="expected">How many threads the previous runs started before arming; 0 if unknown.</param>
    public StartGate(int expected) => _expected = expected;

    /// <summary>How many threads the main thread sent through the gate.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Called by the main thread for a thread it starts: true if that thread must wait at the gate.</summary>
    public bool Enlist()
    {
        if (Volatile.Read(ref _armed) != 0)
        {
            return false;
        }

        Interlocked.Increment(ref _count);
        return true;
    }

    /// <summary>Called by the main thread after it started an enlisted thread: arms the gate once the expected number is reached.</summary>
    public void Started()
    {
        if (_count == _expected)
        {
            Arm();
        }
    }

    /// <summary>Arms the gate (the main thread waits, or has started all it is expected to): it opens once every enlisted thread has arrived.</summary>
    public void Arm()
    {
        if (Interlocked.Exchange(ref _armed, 1) == 0 && Volatile.Read(ref _arrived) == _count)
        {
            Open();
        }
    }

    /// <summary>Opens the gate whoever waits at it: the run has ended.</summary>
    public void Release()
    {
        Interlocked.Exchange(ref _armed, 1);
        Open();
    }

    /// <summary>Called by an enlisted thread on its OS thread before its body: arrives, and waits for the gate to open.</summary>
    public void Pass()
    {
        if (Interlocked.Increment(ref _arrived) == Volatile.Read(ref _count) && Volatile.Read(ref _armed) != 0)
        {
            Open();
            return;
        }

        var blockAt = Stopwatch.GetTimestamp() + s_spinTicks;
        for (var i = 0; !_open; i++)
        {
            if ((i & 15) == 15)
            {
                if (Stopwatch.GetTimestamp() > blockAt)
                {
                    Block();
                    return;
                }

                Thread.Yield();
            }
            else
            {
                Thread.SpinWait(4);
            }
        }
    }

    private void Open()
    {
        if (_open)
        {
            return;
        }

        _open = true;
        lock (_lock)
        {
            Monitor.PulseAll(_lock);
        }
    }

    private void Block()
    {
        lock (_lock)
        {
            while (!_open)
            {
                Monitor.Wait(_lock);
            }
        }
    }
}
