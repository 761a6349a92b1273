using Sim.Runtime.Threads;
namespace Sim.Runtime.Exploration;

/// <summary>What one thread was doing when an iteration ended: for deadlock and livelock reports.</summary>
internal sealed record ThreadSnapshot(SimThread Thread, string? BlockedOn, string? Operation, string? LastStep)
{
    public static IReadOnlyList<ThreadSnapshot> Take(SimRuntime runtime) =>
    [
        .. runtime.Threads
            .Where(t => t.IsStarted && (!t.HasExited || t.WasUnwound) && !t.IsGone)
            .Select(t => new ThreadSnapshot(t, t.Blocked?.Description, t.CurrentOperation, t.LastStep?.ToStep().Action)),
    ];

    public string Describe()
    {
        var where = Operation is null ? string.Empty : $" in {Operation}";
        return BlockedOn is not null
            ? $"{Thread} {BlockedOn}{where}"
            : $"{Thread} runnable{where}, last step: {LastStep ?? "none"}";
    }
}
