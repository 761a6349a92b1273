using Sim.Runtime.Threads;

namespace Sim.Runtime.Parking;

/// <summary>
/// What a thread parked on a word waits for, in the Model's terms, and who holds it: the small interface through which
/// a Model primitive (a <c>PyMutex</c>, a <c>PyEvent</c>, a once flag) tells the Runtime about the word it parks on
/// (<see cref="Cells.AtomicInteger{T}.WaitTarget"/>). A deadlock report follows these from thread to holder to name
/// the wait-for cycle. CPython's locks do not record their owner; the Model keeps it as ghost state for this report only.
/// </summary>
public interface IWaitTarget
{
    /// <summary>What the waiters wait for: <c>mutex HEAD_LOCK</c>, <c>event thread_is_exiting</c>.</summary>
    string WaitsFor { get; }

    /// <summary>
    /// The thread that holds it and must act before the waiters can go on (a mutex's owner, the thread that will set an
    /// event), or null when no single thread does (a free mutex, an event nobody is due to set).
    /// </summary>
    SimThread? Holder { get; }
}
