namespace Sim.Runtime.Exploration;

/// <summary>The messages of the findings the Runtime reports itself (a deadlock, a livelock), in one place, so that a run and its replay word them alike.</summary>
internal static class Findings
{
    /// <summary>"Deadlock: no thread can run. T1(main) waits for T3(worker1) to exit (join); ...", threads in id order.</summary>
    public static string Deadlock(IReadOnlyList<ThreadSnapshot> threads) =>
        "Deadlock: no thread can run. " + string.Join("; ", threads.Select(t => t.Describe()));

    /// <summary>"Livelock: the threads took N scheduling steps without finishing (bound B, fair strategies x10). ...".</summary>
    public static string Livelock(long schedulingPoints, uint maxSteps, IReadOnlyList<ThreadSnapshot> threads) =>
        $"Livelock: the threads took {schedulingPoints} scheduling steps without finishing " +
        $"(bound {maxSteps}, fair strategies x10). " + string.Join("; ", threads.Select(t => t.Describe()));
}
