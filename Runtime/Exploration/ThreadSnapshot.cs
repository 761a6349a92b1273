using Sim.Runtime.Deadlocks;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Exploration;

/// <summary>What one thread was doing when an iteration ended: for deadlock and livelock reports.</summary>
/// <param name="Thread">The thread.</param>
/// <param name="BlockedOn">How it is blocked, in the Runtime's terms (<c>parked on m._bits</c>), or null if it can run.</param>
/// <param name="Operation">The Model operation it is in, if any.</param>
/// <param name="LastStep">Its last step's action.</param>
/// <param name="Wait">What it waits for in the Model's terms and who holds that, when it is blocked.</param>
internal sealed record ThreadSnapshot(SimThread Thread, string? BlockedOn, string? Operation, string? LastStep, WaitEdge? Wait)
{
    public static IReadOnlyList<ThreadSnapshot> Take(SimRuntime runtime) =>
    [
        .. runtime.Threads
            .Where(t => t.IsStarted && (!t.HasExited || t.WasUnwound) && !t.IsGone)
            .Select(t => new ThreadSnapshot(t, t.Blocked?.Description, t.Blocked?.Operation ?? t.CurrentOperation, t.LastStep?.ToStep().Action, EdgeOf(t))),
    ];

    public string Describe()
    {
        var where = Operation is null ? string.Empty : $" in {Operation}";
        return BlockedOn is not null
            ? $"{Thread} {BlockedOn}{where}"
            : $"{Thread} runnable{where}, last step: {LastStep ?? "none"}";
    }

    /// <summary>The wait-for edge of a blocked thread: the join's target, or what the park address's Model primitive says.</summary>
    private static WaitEdge? EdgeOf(SimThread t)
    {
        if (t.Blocked is not { } b)
        {
            return null;
        }

        var (what, holder) = b switch
        {
            { JoinTarget: { } target } => ($"{target} to exit (join)", target),
            { Address.WaitTarget: { } w } => (w.WaitsFor, w.Holder),
            { Address: { } a } => ($"a wake-up on {a.Name}", null),
            { IsYield: true } => ("the other threads to take a step (a spin loop's fair yield)", null),
            _ => (b.Description, (SimThread?)null),
        };
        return new WaitEdge(t.Id, t.Name, what, b.Operation, holder?.Id, holder?.Name, t.LastStep?.Index);
    }
}
