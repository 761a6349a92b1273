using System.Diagnostics;

namespace Sim.Runtime.Stress;

/// <summary>
/// A start gate of a stress run, after jcstress's actors that a barrier releases together: the threads a thread starts
/// wait here, spinning, until every one of them is on its OS thread, and then start their bodies within a fraction of
/// a microsecond of each other (and of their starter), instead of one OS thread start (60 to 100 µs) apart.
/// </summary>
/// <remarks>
/// <para>
/// The run's main thread has one gate for the threads it starts before its first wait. It arms the gate when it has
/// started as many threads as the previous runs did before their first wait, and then waits at the gate itself, so that
/// its own work after the last start overlaps theirs too; or it arms the gate at its first wait, yield or the end of its
/// body, whichever comes first, and goes on to block. Any other thread that starts a thread meets it at a gate of their
/// own, and both go on together. The gate opens when it is armed and every enlisted thread has arrived, whoever sees that
/// last: the opener is then running, and the others are spinning, not waiting to be woken.
/// </para>
/// <para>
/// Holding a thread back is only a slow start, which the OS may always impose, and a gate never holds one past a point
/// where its starter could wait for it. On a machine with fewer cores than threads, the spinners yield now and then so
/// that the threads still on their way get a core.
/// </para>
/// </remarks>
internal sealed class StartGate
{
    /// <summary>How long a waiter spins before it blocks (a gate that long shut is waiting for the main thread).</summary>
    private static readonly long s_spinTicks = Stopwatch.Frequency / 500;

    private readonly object _lock = new();
    private readonly int _expected;
    private readonly bool _participate;
    private int _count;
    private int _arrived;
    private int _armed;
    private volatile bool _open;

    /// <param name="expected">How many threads the starter sends through the gate before it arms it and waits there itself; 0 if unknown.</param>
    /// <param name="participate">True if the starter, having started the expected number, waits at the gate with them.</param>
    public StartGate(int expected, bool participate)
    {
        _expected = expected;
        _participate = participate;
    }

    /// <summary>How many threads the starter sent through the gate.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Called by the starter for a thread it starts: true if that thread must wait at the gate.</summary>
    public bool Enlist()
    {
        if (Volatile.Read(ref _armed) != 0)
        {
            return false;
        }

        Interlocked.Increment(ref _count);
        return true;
    }

    /// <summary>True once the starter armed the gate at a wait of its own.</summary>
    public bool IsArmedByWait { get; private set; }

    /// <summary>
    /// Called by the starter after it started an enlisted thread: once the expected number is reached, arms the gate and,
    /// if it participates, waits there with the threads it started, so that it goes on with them.
    /// </summary>
    public void Started()
    {
        if (_count == _expected)
        {
            Arm();
            if (_participate && !_open)
            {
                Wait();
            }
        }
    }

    /// <summary>Called when the starter is about to wait: arms the gate, which opens as soon as its threads are there.</summary>
    public void ArmAtWait()
    {
        IsArmedByWait = true;
        Arm();
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

        Wait();
    }

    /// <summary>Spins until the gate opens, yielding now and then; blocks if it stays shut (its starter is slow to arm it).</summary>
    private void Wait()
    {
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

    /// <summary>Arms the gate: it opens once every enlisted thread has arrived.</summary>
    private void Arm()
    {
        if (Interlocked.Exchange(ref _armed, 1) == 0 && Volatile.Read(ref _arrived) == _count)
        {
            Open();
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
