using Sim.Runtime.Threads;

namespace Sim.Runtime.Scheduling;

/// <summary>A scheduling decision the running thread asks for: the how-manyth, by whom, among which threads.</summary>
/// <param name="Index">The decision's number in the run, from 0.</param>
/// <param name="From">The thread that is running and asks.</param>
/// <param name="Runnable">The threads that may run next (never empty: with none, the run has deadlocked).</param>
internal readonly record struct Decision(int Index, int From, ThreadSet Runnable)
{
    /// <summary>The choice that is not a preemption: the running thread if it may go on, else the lowest runnable id.</summary>
    public int NonPreemptive => Runnable.Contains(From) ? From : Runnable.Lowest;
}

/// <summary>
/// Decides a gated run (<see cref="Platform.ControlledPlatform"/>): which thread runs at each scheduling step and which
/// value each controlled choice takes. Only the chosen thread is let through its gate, so Coyote has a single operation
/// to schedule at each step and the run is the policy's. A replay (<see cref="ReplayPolicy"/>), a shrinking candidate
/// (<see cref="GuidedPolicy"/>) and the preemption-bounded search (<see cref="BoundedSearch"/>) are policies; Coyote's
/// own strategies run without one.
/// </summary>
internal abstract class SchedulePolicy
{
    /// <summary>Returned instead of a thread or value: end the run here as a livelock (a replayed livelock's recorded end).</summary>
    public const int EndAsLivelock = -1;

    /// <summary>The Runtime scheduling points after which the run is a livelock; null when the policy itself ends the run.</summary>
    public virtual long? StepBound => null;

    /// <summary>The thread to run next: one of <paramref name="decision"/>'s runnable threads, or <see cref="EndAsLivelock"/>.</summary>
    /// <param name="decision">The decision asked for.</param>
    /// <param name="threads">The run's threads, thread <c>i</c> at index <c>i - 1</c> (for what each would do next).</param>
    /// <exception cref="ScheduleDivergedException">The program asks for something the policy's record does not hold.</exception>
    public abstract int NextThread(in Decision decision, IReadOnlyList<SimThread> threads);

    /// <summary>The value of a controlled choice among <paramref name="count"/> values, or <see cref="EndAsLivelock"/>.</summary>
    /// <exception cref="ScheduleDivergedException">The program asks for something the policy's record does not hold.</exception>
    public abstract int NextValue(int thread, string label, int count);

    /// <summary>Called when the run has ended; a policy that expected more throws here.</summary>
    /// <exception cref="ScheduleDivergedException">The run ended before the policy's record did.</exception>
    public virtual void RunEnded()
    {
    }
}

/// <summary>The program asked a replay for something its record does not hold: the trace is not of this program.</summary>
internal sealed class ScheduleDivergedException(string message) : Exception(message);
