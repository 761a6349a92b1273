using Sim.Runtime.Races;
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

    /// <summary>The waker's vector clock when it posted the semaphore (controlled mode, race detection on).</summary>
    public VectorClock? WakeClock { get; set; }

    /// <summary>The trace step of the unpark that woke the thread (controlled mode), for the timeline's wake-up edge.</summary>
    public int? WokenBy { get; set; }
}
