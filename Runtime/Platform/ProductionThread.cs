using Sim.Runtime.Stress;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Platform;

/// <summary>
/// What production mode keeps per simulated thread: its seeded random streams (noise and choices), what it waits for
/// (for deadlock and hang reports), and the monitor its joiners wait on.
/// </summary>
internal sealed class ProductionThread
{
    private ulong _noise;
    private ulong _choices;
    private volatile string? _waiting;
    private volatile string? _lastYield;

    public ProductionThread(SimThread thread, uint seed)
    {
        Thread = thread;
        _noise = StressRandom.Stream(seed, thread.Id, 0);
        _choices = StressRandom.Stream(seed, thread.Id, 1);
    }

    public SimThread Thread { get; }

    /// <summary>The thread is counted as blocked without a timeout in a park (guarded by the waiter's monitor).</summary>
    public bool ParkCounted { get; set; }

    /// <summary>Joiners blocked on this thread without a timeout, counted out of the running threads (guarded by this object's monitor).</summary>
    public int BlockedJoiners { get; set; }

    /// <summary>How many times a timed park of this thread woke up to look at the clock (for tests: a timed wait must block, not spin).</summary>
    public int TimedWakeups { get; set; }

    /// <summary>How many Runtime points the thread has passed in a stress run (the start gate learns from the main thread's).</summary>
    public long Points { get; set; }

    /// <summary>How many noise pauses the thread has taken (for tests: the noise is seeded).</summary>
    public int Pauses { get; set; }

    /// <summary>Sets or clears what the thread is blocked on.</summary>
    public string? Waiting
    {
        get => _waiting;
        set => _waiting = value;
    }

    /// <summary>The reason of the thread's last spin-loop yield.</summary>
    public string? LastYield
    {
        get => _lastYield;
        set => _lastYield = value;
    }

    /// <summary>The next 64 bits of the noise stream.</summary>
    public ulong NextNoise() => StressRandom.Next(ref _noise);

    /// <summary>A choice in [0, <paramref name="count"/>) from the choice stream.</summary>
    public int Choose(int count) => StressRandom.Below(ref _choices, count);

    /// <summary>One line for deadlock and hang reports: what the thread is doing.</summary>
    public string Describe() => _waiting is { } w
        ? $"{Thread} {w}"
        : _lastYield is { } y ? $"{Thread} running, last yield: {y}" : $"{Thread} running";
}
