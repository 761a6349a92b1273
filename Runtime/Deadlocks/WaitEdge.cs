namespace Sim.Runtime.Deadlocks;

/// <summary>
/// One blocked thread of a deadlock, in the Model's terms: what it waits for, in which operation, and which thread holds
/// that (the edge of the wait-for graph to the holder).
/// </summary>
/// <param name="ThreadId">The blocked thread's id.</param>
/// <param name="ThreadName">The blocked thread's name.</param>
/// <param name="WaitsFor">What it waits for: <c>mutex m</c>, <c>T3(worker) to exit (join)</c>, <c>event thread_is_exiting</c>.</param>
/// <param name="Operation">The Model operation it is blocked in, if any.</param>
/// <param name="HolderId">The thread that holds what it waits for, or null if none does or the Model does not say.</param>
/// <param name="HolderName">That thread's name.</param>
/// <param name="Step">The step at which the thread blocked, if recorded.</param>
public sealed record WaitEdge(int ThreadId, string ThreadName, string WaitsFor, string? Operation, int? HolderId, string? HolderName, int? Step)
{
    /// <summary><c>T2(worker)</c>.</summary>
    public string Thread => $"T{ThreadId}({ThreadName})";

    /// <summary><c>T3(worker)</c>, or null.</summary>
    public string? Holder => HolderId is { } id ? $"T{id}({HolderName})" : null;
}
