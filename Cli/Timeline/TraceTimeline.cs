using Sim.Runtime.Deadlocks;
using Sim.Runtime.Exploration;
using Sim.Runtime.Races;
using Sim.Runtime.Trace;

namespace Sim.Cli.Timeline;

/// <summary>
/// What the readable trace (<see cref="LaneView"/>) and the timeline page (<see cref="TimelinePage"/>) show of a failing
/// iteration: its steps, one lane per thread, the finding, the racing accesses and the wait-for graph of a deadlock.
/// </summary>
/// <param name="Title">What failed: <c>scenario/variant</c>.</param>
/// <param name="Steps">The iteration's steps, in order (the failing check last when there is one).</param>
/// <param name="Threads">The threads that took steps, by id.</param>
/// <param name="Kind">The finding's kind.</param>
/// <param name="Message">The finding's message.</param>
/// <param name="Race">The race, for a data race.</param>
/// <param name="WaitsFor">The wait-for graph, for a deadlock.</param>
/// <param name="RacyFields">The fields declared deliberately racy that the exploration touched.</param>
internal sealed record TraceTimeline(
    string Title,
    IReadOnlyList<TraceStep> Steps,
    IReadOnlyList<TimelineThread> Threads,
    FindingKind? Kind,
    string? Message,
    DataRace? Race,
    IReadOnlyList<WaitEdge> WaitsFor,
    IReadOnlyList<RacyField> RacyFields)
{
    /// <summary>The timeline of <paramref name="result"/>'s failing iteration.</summary>
    public static TraceTimeline Of(string title, ExplorationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var threads = result.Steps
            .GroupBy(s => s.ThreadId)
            .OrderBy(g => g.Key)
            .Select(g => new TimelineThread(g.Key, g.First().ThreadName))
            .ToList();
        return new TraceTimeline(title, result.Steps, threads, result.Kind, result.Message, result.Race, result.WaitsFor, result.RacyFields);
    }

    /// <summary>True if the failing check is the last step (a failed check, an exception, a race); false for a deadlock or a livelock.</summary>
    public bool EndsWithFailureStep => Steps.Count > 0 && Steps[^1].Kind == AccessKind.Failure;

    /// <summary>True if <paramref name="step"/> is one of the race's two accesses.</summary>
    public bool IsRacing(TraceStep step) =>
        Race is { } r && (step.Index == r.Earlier.Step || step.Index == r.Later.Step);

    /// <summary>The lane (from 0) of thread <paramref name="threadId"/>.</summary>
    public int LaneOf(int threadId)
    {
        for (var i = 0; i < Threads.Count; i++)
        {
            if (Threads[i].Id == threadId)
            {
                return i;
            }
        }

        return 0;
    }
}

/// <summary>A thread of a timeline: its id and name (<c>T2 worker</c>).</summary>
/// <param name="Id">The thread's id.</param>
/// <param name="Name">The thread's name.</param>
internal sealed record TimelineThread(int Id, string Name)
{
    /// <summary><c>T2 worker</c>.</summary>
    public string Label => $"T{Id} {Name}";
}
