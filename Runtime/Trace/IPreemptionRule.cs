using Sim.Runtime.Threads;

namespace Sim.Runtime.Trace;

/// <summary>
/// Says whether a thread switch was a preemption: a switch away from a thread that could have gone on. The controlled
/// platform asks it when a step is recorded by another thread than the previous step's. The default rule
/// (<see cref="BlockedThreadsRule"/>) reads the blocking information the platform keeps; a schedule record that knows
/// each scheduling point's set of enabled threads can answer instead.
/// </summary>
internal interface IPreemptionRule
{
    /// <summary>True if switching from <paramref name="from"/> to <paramref name="to"/> preempted <paramref name="from"/>.</summary>
    bool IsPreemption(SimThread from, SimThread to);
}

/// <summary>
/// The default <see cref="IPreemptionRule"/>: the thread switched away from could have gone on unless it has exited,
/// vanished, is blocked on a wait that has not been satisfied (a park not yet woken, a join of a running thread), or has
/// just yielded (a spin loop's <c>_Py_yield</c> asks for the switch: as in CHESS, a voluntary switch, not a preemption).
/// </summary>
internal sealed class BlockedThreadsRule : IPreemptionRule
{
    public static BlockedThreadsRule Instance { get; } = new();

    public bool IsPreemption(SimThread from, SimThread to) =>
        from.IsLive
        && from.LastStep?.Kind != AccessKind.Yield
        && (from.Blocked is not { } b || b.Ready());
}
