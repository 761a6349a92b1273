using System.Text.Json;
using System.Text.Json.Nodes;
using Sim.Runtime.Exploration;
using Sim.Runtime.Trace;

namespace Sim.Cli.Traces;

/// <summary>
/// A trace file (format <see cref="TraceDocument.CurrentFormat"/>): which scenario and variant failed, with which
/// settings, the failure, Coyote's reproducible trace (what <c>sim replay</c> feeds back to Coyote) and the readable
/// steps of the failing iteration. README, "Trace files", describes the fields.
/// </summary>
internal sealed record TraceDocument
{
    /// <summary>The format this version writes and reads.</summary>
    public const string CurrentFormat = "sim-trace/1";

    /// <summary>The format tag: <c>sim-trace/1</c>.</summary>
    public required string Format { get; init; }

    /// <summary>The scenario's name.</summary>
    public required string Scenario { get; init; }

    /// <summary>The variant's name.</summary>
    public required string Variant { get; init; }

    /// <summary>The variant's expected outcome when the trace was recorded (for the reader).</summary>
    public required string Expected { get; init; }

    /// <summary>The tool and version that recorded it.</summary>
    public required string Tool { get; init; }

    /// <summary>When it was recorded (UTC).</summary>
    public required DateTimeOffset RecordedAt { get; init; }

    /// <summary>The exploration settings used (<see cref="Configuration.RecordedSettings"/>); a replay runs with the same ones.</summary>
    public required JsonObject Options { get; init; }

    /// <summary>The failure.</summary>
    public required TraceFinding Finding { get; init; }

    /// <summary>Coyote's reproducible trace of the failing iteration (a JSON value, kept as Coyote wrote it).</summary>
    public required JsonElement CoyoteTrace { get; init; }

    /// <summary>The readable steps of the failing iteration.</summary>
    public required IReadOnlyList<TraceFileStep> Steps { get; init; }

    /// <summary>Coyote's trace as the text <see cref="Runtime.Exploration.Explorer.Replay"/> takes.</summary>
    public string CoyoteTraceText() =>
        CoyoteTrace.ValueKind == JsonValueKind.String ? CoyoteTrace.GetString()! : CoyoteTrace.GetRawText();
}

/// <summary>The failure a trace records.</summary>
/// <param name="Kind">What kind of bug (assertion, exception, deadlock, livelock).</param>
/// <param name="Message">The bug's message.</param>
/// <param name="Iteration">The iteration (from 1) that failed.</param>
/// <param name="Steps">Scheduling steps of the failing iteration.</param>
/// <param name="Strategy">The strategy as the harness described it.</param>
internal sealed record TraceFinding(FindingKind Kind, string Message, int Iteration, long Steps, string Strategy);

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
