using System.Text.Json;
using System.Text.Json.Nodes;
using Sim.Cli.Output;
using Sim.Cli.Reports;

namespace Sim.Cli.Hunting;

/// <summary>
/// What the hunt sends a worker process (<c>sim hunt-worker</c>), one JSON object a line on its standard input: a variant
/// to hunt with its options, <see cref="StopLine"/> to stop the variant in progress and end, or a
/// <see cref="SkipLine"/> to stop a variant's slice and go on. Closing the input ends the worker.
/// </summary>
/// <param name="Index">The variant's place in the plan.</param>
/// <param name="Variant">The <c>scenario/variant</c> name.</param>
/// <param name="Options">The exploration options (<see cref="Configuration.RecordedSettings"/>).</param>
/// <param name="FirstIteration">The number, in the whole run, of the first iteration (<see cref="HuntTask.FirstIteration"/>).</param>
internal sealed record WorkerRequest(int Index, string Variant, JsonObject Options, uint FirstIteration)
{
    /// <summary>The line that stops the variant in progress (the hunt was interrupted or ran out of time).</summary>
    public const string StopLine = "stop";

    /// <summary>The request as one line.</summary>
    public string ToLine() => JsonSerializer.Serialize(this, Json.Compact);

    /// <summary>
    /// The line that says variant <paramref name="index"/> is settled (<see cref="SliceJoin"/>): the worker stops its slice
    /// of it if it runs one, and answers any later request for it as stopped, without running it.
    /// </summary>
    public static string SkipLine(int index) => $"skip {index.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The variant index of a <see cref="SkipLine"/>; null if the line is not one.</summary>
    public static int? ParseSkip(string line) =>
        line.StartsWith("skip ", StringComparison.Ordinal)
        && int.TryParse(line.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) ? index : null;
}

/// <summary>
/// What a worker answers, one JSON object a line on its standard output: progress (<see cref="Iteration"/>), then the
/// variant's entry, or <see cref="Stopped"/> if it was stopped before it finished.
/// </summary>
/// <param name="Index">The variant's place in the plan.</param>
/// <param name="Iteration">The iteration that started (progress), if this is progress.</param>
/// <param name="Entry">The variant's report entry, once it finished (its trace already saved).</param>
/// <param name="Stopped">True if a stop or skip request ended the variant before it finished (or a skip came before it started).</param>
internal sealed record WorkerReply(int Index, int? Iteration = null, HuntEntry? Entry = null, bool Stopped = false)
{
    /// <summary>The reply as one line.</summary>
    public string ToLine() => JsonSerializer.Serialize(this, Json.Compact);

    /// <summary>Reads a reply line; null if it is not one (the worker wrote something else: it is ignored).</summary>
    public static WorkerReply? Parse(string line)
    {
        try
        {
            return line.StartsWith('{') ? JsonSerializer.Deserialize<WorkerReply>(line, Json.Compact) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
