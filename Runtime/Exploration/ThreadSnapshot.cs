using Sim.Runtime.Threads;
namespace Sim.Runtime.Exploration;

/// <summary>
/// What one thread was doing when an iteration ended: for deadlock and livelock reports. Everything is read from what
/// the thread recorded when it blocked or took its last step, since a thread may already be unwinding (which resets its
/// current operation) when the report is made: so a replay reports the same.
/// </summary>
internal sealed record ThreadSnapshot(SimThread Thread, string? BlockedOn, string? Operation, string? LastStep)
{
    public static IReadOnlyList<ThreadSnapshot> Take(SimRuntime runtime) =>
    [
        .. runtime.Threads
            .Where(t => t.IsStarted && (!t.HasExited || t.WasUnwound) && !t.IsGone)
            .Select(t => new ThreadSnapshot(t, t.Blocked?.Description, t.Blocked is { } b ? b.Operation : t.LastStep?.Operation, t.LastStep?.ToStep().Action)),
    ];

    public string Describe()
    {
        var where = Operation is null ? string.Empty : $" in {Operation}";
        return BlockedOn is not null
            ? $"{Thread} {BlockedOn}{where}"
            : $"{Thread} runnable{where}, last step: {LastStep ?? "none"}";
    }
}
