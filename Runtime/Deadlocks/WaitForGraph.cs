using System.Text;

namespace Sim.Runtime.Deadlocks;

/// <summary>
/// Explains a deadlock from its wait-for graph (<see cref="WaitEdge"/>: each blocked thread, what it waits for, who holds
/// it): the cycle, thread by thread round to the start, or, when there is none, the thread that waits for something no
/// thread holds (a lost wake-up).
/// </summary>
public static class WaitForGraph
{
    /// <summary>
    /// The first cycle, following holders from the blocked threads in id order: the threads on it, the first repeated
    /// at the end; empty if there is none.
    /// </summary>
    public static IReadOnlyList<WaitEdge> Cycle(IReadOnlyList<WaitEdge> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        var byThread = edges.ToDictionary(e => e.ThreadId);
        foreach (var start in edges.OrderBy(e => e.ThreadId))
        {
            var path = new List<WaitEdge>();
            var current = start;
            while (current is not null && !path.Contains(current))
            {
                path.Add(current);
                current = current.HolderId is { } h ? byThread.GetValueOrDefault(h) : null;
            }

            if (current is not null)
            {
                var cycle = path.Skip(path.IndexOf(current)).ToList();
                cycle.Add(current);
                return cycle;
            }
        }

        return [];
    }

    /// <summary>
    /// One sentence: <c>Wait-for cycle: T2(a) in PyMutex_Lock(x) waits for mutex x, held by T3(b); T3(b) ... held by
    /// T2(a).</c>, or, without a cycle, which threads wait for what no thread holds.
    /// </summary>
    public static string Explain(IReadOnlyList<WaitEdge> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        if (edges.Count == 0)
        {
            return string.Empty;
        }

        var cycle = Cycle(edges);
        if (cycle.Count > 0)
        {
            var text = new StringBuilder("Wait-for cycle: ");
            text.AppendJoin("; ", cycle.SkipLast(1).Select(e => $"{Waits(e)}, held by {e.Holder}"));
            return text.Append('.').ToString();
        }

        var loose = edges.Where(e => e.HolderId is null || edges.All(o => o.ThreadId != e.HolderId)).OrderBy(e => e.ThreadId).ToList();
        return "No wait-for cycle: " + string.Join("; ", loose.Select(e => e.HolderId is null
            ? $"{Waits(e)}, which no thread holds, so nobody is due to wake it (a lost wake-up)"
            : $"{Waits(e)}, held by {e.Holder}, which has exited without letting it go")) + ".";
    }

    private static string Waits(WaitEdge e) =>
        e.Operation is null ? $"{e.Thread} waits for {e.WaitsFor}" : $"{e.Thread} in {e.Operation} waits for {e.WaitsFor}";
}
