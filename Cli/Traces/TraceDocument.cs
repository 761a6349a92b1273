using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Sim.Cli.Loading;
using Sim.Cli.Output;
using Sim.Runtime.Exploration;
using Sim.Runtime.Scheduling;
using Sim.Runtime.Trace;

namespace Sim.Cli.Traces;

/// <summary>
/// A trace file (format <see cref="CurrentFormat"/>): which scenario, variant and design failed, with which settings, the
/// failure, the schedule record the Runtime took (what <c>sim replay</c> replays, step by step) and the readable steps of
/// the failing iteration. README, "Trace files", describes the fields.
/// </summary>
internal sealed record TraceDocument
{
    /// <summary>The format this version writes and reads.</summary>
    public const string CurrentFormat = "sim-trace/3";

    /// <summary>
    /// The format before a thread's start and the process's exit were scheduling points and plain accesses stopped being
    /// ones (issue 8): its schedules do not fit this sim's decisions; read only to say so.
    /// </summary>
    public const string PointsFormat = "sim-trace/2";

    /// <summary>The format before the Runtime recorded its own schedule (it held Coyote's); read only to say so.</summary>
    public const string CoyoteFormat = "sim-trace/1";

    /// <summary>The format tag: <c>sim-trace/3</c>.</summary>
    public required string Format { get; init; }

    /// <summary>The scenario's name.</summary>
    public required string Scenario { get; init; }

    /// <summary>The variant's name.</summary>
    public required string Variant { get; init; }

    /// <summary>
    /// The assembly the scenario came from: <c>Sim.Scenarios</c> without a path for the corpus built into the tool, or
    /// an outside assembly's name and full path (<c>--assembly</c>, <c>--project</c>), where <c>sim replay</c> looks for it.
    /// Absent in traces written before it was recorded (the built-in corpus).
    /// </summary>
    public ScenarioAssembly? Assembly { get; init; }

    /// <summary>The variant's design when the trace was recorded (<c>ScenarioVariant.DesignText</c>); a replay needs the same.</summary>
    public required string Design { get; init; }

    /// <summary>The variant's expected outcome when the trace was recorded (for the reader).</summary>
    public required string Expected { get; init; }

    /// <summary>The tool and version that recorded it.</summary>
    public required string Tool { get; init; }

    /// <summary>When it was recorded (UTC).</summary>
    public required DateTimeOffset RecordedAt { get; init; }

    /// <summary>The exploration settings used (<see cref="Configuration.RecordedSettings"/>); a replay runs with the same ones.</summary>
    public required JsonObject Settings { get; init; }

    /// <summary>The failure.</summary>
    public required TraceFinding Finding { get; init; }

    /// <summary>What shrinking did, if it ran: the schedule exploration found, before it was shrunk to <see cref="Schedule"/>.</summary>
    public TraceShrink? Shrink { get; init; }

    /// <summary>The schedule record of the failing iteration.</summary>
    public required TraceSchedule Schedule { get; init; }

    /// <summary>The readable steps of the failing iteration.</summary>
    public required IReadOnlyList<TraceFileStep> Steps { get; init; }
}

/// <summary>The failure a trace records.</summary>
/// <param name="Kind">What kind of bug (assertion, exception, deadlock, livelock).</param>
/// <param name="Message">The bug's message.</param>
/// <param name="Iteration">The iteration (from 1) that failed.</param>
/// <param name="Steps">Runtime scheduling points of the failing iteration (as recorded, after shrinking).</param>
/// <param name="Strategy">The strategy as the harness described it.</param>
internal sealed record TraceFinding(FindingKind Kind, string Message, int Iteration, long Steps, string Strategy);

/// <summary>What shrinking started from.</summary>
/// <param name="StepsBefore">Scheduling steps of the schedule exploration found.</param>
/// <param name="PreemptionsBefore">Its preemptions.</param>
/// <param name="Runs">Candidate schedules shrinking ran.</param>
internal sealed record TraceShrink(int StepsBefore, int PreemptionsBefore, int Runs);

/// <summary>
/// A schedule record as a trace file holds it: its step and preemption counts, a digest of its entries, and the entries,
/// one line each (<see cref="ScheduleEntry.ToString"/>).
/// </summary>
/// <param name="Steps">How many scheduling steps the entries hold.</param>
/// <param name="Preemptions">How many of them are preemptions.</param>
/// <param name="Entries">The entries, in order.</param>
/// <param name="Digest"><c>sha256:</c> and the hex SHA-256 of the entries joined by newlines; absent to replay a hand-edited schedule.</param>
internal sealed record TraceSchedule(
    [property: JsonPropertyOrder(0)] int Steps,
    [property: JsonPropertyOrder(1)] int Preemptions,
    [property: JsonPropertyOrder(3)] IReadOnlyList<string> Entries,
    [property: JsonPropertyOrder(2)] string? Digest = null)
{
    /// <summary>The file form of <paramref name="record"/>.</summary>
    public static TraceSchedule Of(ScheduleRecord record)
    {
        var entries = record.Entries.Select(e => e.ToString()).ToList();
        return new(record.Steps, record.Preemptions, entries, DigestOf(entries));
    }

    /// <summary>The digest of <paramref name="entries"/>.</summary>
    public static string DigestOf(IEnumerable<string> entries) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", entries))));

    /// <summary>
    /// Reads the entries back; returns the record, or the problem: an entry that is not one, counts or a digest that do
    /// not match the entries (a schedule cut short or edited). Without a digest (a schedule edited by hand) only the
    /// entries are read; the replay checks them against the program.
    /// </summary>
    public (ScheduleRecord? Record, string? Problem) Read()
    {
        var entries = new List<ScheduleEntry>(Entries.Count);
        var from = 1;
        for (var i = 0; i < Entries.Count; i++)
        {
            if (!ScheduleEntry.TryParse(Entries[i], from, out var e))
            {
                return (null, $"its schedule entry {i + 1} (\"{Format.OneLine(Entries[i] ?? "null")}\") is not a step or a choice");
            }

            entries.Add(e);
            from = e.IsChoice ? from : e.Thread;
        }

        var record = new ScheduleRecord(entries);
        if (Digest is null)
        {
            // A hand-edited schedule: the replay itself checks it, step by step.
            return (record, null);
        }

        if (record.Steps != Steps || record.Preemptions != Preemptions)
        {
            return (null, $"its schedule holds {record.Steps} steps and {record.Preemptions} preemptions, but says {Steps} and {Preemptions}: it was cut short or edited");
        }

        return Digest != DigestOf(Entries)
            ? (null, "its schedule does not match its digest: it was edited (remove \"digest\" to replay a hand-edited schedule)")
            : (record, null);
    }
}

/// <summary>One readable step: the thread, the model operation it was in, what it did, and what kind of step it was.</summary>
/// <param name="Index">The step's position in the iteration, from 1.</param>
/// <param name="ThreadId">The simulated thread's id.</param>
/// <param name="ThreadName">The thread's name.</param>
/// <param name="Operation">The model operation the thread was in, if any.</param>
/// <param name="Action">What it did.</param>
/// <param name="Kind">The step's kind (<c>failure</c> for the failing step); null in traces written before it was recorded.</param>
internal sealed record TraceFileStep(int Index, int ThreadId, string ThreadName, string? Operation, string Action, AccessKind? Kind = null)
{
    /// <summary>The steps of an exploration's failing iteration, as trace files and the step views hold them.</summary>
    public static IReadOnlyList<TraceFileStep> Of(ExplorationResult result) =>
        [.. result.Steps.Select(s => new TraceFileStep(s.Index, s.ThreadId, s.ThreadName, s.Operation, s.Action, s.Kind))];
}
