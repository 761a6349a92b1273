using Sim.Runtime.Threads;
namespace Sim.Runtime.Parking;

/// <summary>
/// A parked thread's queue entry: <c>struct wait_entry</c> of <c>Python/parking_lot.c</c>. Its wake-up flag stands for
/// the entry's <c>_PySemaphore</c>.
/// </summary>
internal sealed class ParkWaiter
{
    public ParkWaiter(SimThread thread, IParkAddress address, object? parkArg)
    {
        Thread = thread;
        Address = address;
        ParkArg = parkArg;
    }

    public SimThread Thread { get; }

    public IParkAddress Address { get; }

    /// <summary>The <c>park_arg</c> handed to the unparker's callback.</summary>
    public object? ParkArg { get; }

    /// <summary><c>is_unparking</c>: an unparker has dequeued this entry (guarded by the bucket lock).</summary>
    public bool IsUnparking { get; set; }

    /// <summary>The semaphore was posted: the thread may resume.</summary>
    public volatile bool Woken;
}
