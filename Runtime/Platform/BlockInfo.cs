using Sim.Runtime.Threads;
namespace Sim.Runtime.Platform;

/// <summary>
/// What a blocked thread waits for, in controlled mode: the condition that releases it, an optional deadline on
/// the virtual clock, and a description for deadlock reports.
/// </summary>
internal sealed class BlockInfo
{
    public BlockInfo(SimThread thread, string description, Func<bool> ready, long deadline, bool earlyTimeout)
    {
        Thread = thread;
        Description = description;
        Ready = ready;
        Deadline = deadline;
        EarlyTimeout = earlyTimeout;
    }

    /// <summary>No deadline: the wait is untimed.</summary>
    public const long Never = long.MaxValue;

    public SimThread Thread { get; }

    public string Description { get; }

    /// <summary>True when what the thread waits for has happened.</summary>
    public Func<bool> Ready { get; }

    /// <summary>The virtual time at which a timed wait gives up, or <see cref="Never"/>.</summary>
    public long Deadline { get; }

    /// <summary>
    /// A controlled choice made when the wait began: the timeout may fire as soon as the scheduler lets the thread
    /// run again, before anything wakes it.
    /// </summary>
    public bool EarlyTimeout { get; }

    /// <summary>True for a spin loop's yield, which also ends when no other thread can run.</summary>
    public bool IsYield { get; init; }

    /// <summary>True if the thread can run now without the clock moving.</summary>
    public bool CanRunNow => EarlyTimeout || Ready();
}
