using System.Text.Json;
using System.Text.RegularExpressions;
using Sim.Cli.Configuration;
using Sim.Cli.Loading;
using Sim.Cli.Output;
using Sim.Runtime.Exploration;
using Sim.Runtime.Scheduling;

namespace Sim.Cli.Traces;

/// <summary>Makes, saves and loads trace files. Saving is atomic; loading checks everything a replay relies on.</summary>
internal static partial class TraceStore
{
    /// <summary>Trace files larger than this are not read (<see cref="JsonFile.MaxBytes"/>).</summary>
    public const int MaxBytes = JsonFile.MaxBytes;

    /// <summary>The default path of a trace: <c>OUT/traces/SCENARIO.VARIANT.STRATEGY-SEED.json</c>.</summary>
    public static string DefaultPath(string outputDirectory, VariantRef variant, ExplorationOptions options) =>
        Path.Combine(outputDirectory, "traces",
            $"{Safe(variant.Scenario.Name)}.{Safe(variant.Variant.Name)}.{options.Strategy.Name()}-{options.Seed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "random"}.json");

    /// <summary>The trace of a bug that <see cref="Explorer.Explore"/> found.</summary>
    public static TraceDocument FromResult(VariantRef variant, ExplorationOptions options, ExplorationResult result)
    {
        if (!result.FoundBug || result.Kind is not { } kind || result.Schedule is not { } schedule || result.Message is null)
        {
            throw new ArgumentException("only a found bug with its schedule record makes a trace file", nameof(result));
        }

        return new TraceDocument
        {
            Format = TraceDocument.CurrentFormat,
            Scenario = variant.Scenario.Name,
            Variant = variant.Variant.Name,
            Assembly = ScenarioAssembly.Of(variant),
            Design = variant.Variant.DesignText,
            Expected = variant.Variant.Expected.ToString(),
            Tool = ToolInfo.NameAndVersion,
            RecordedAt = DateTimeOffset.UtcNow,
            Settings = RecordedSettings.Of(options),
            Finding = new TraceFinding(kind, result.Message, result.Iterations, result.BugIterationSteps, result.Strategy),
            Shrink = result.Shrink is { } s ? new TraceShrink(s.StepsBefore, s.PreemptionsBefore, s.Runs) : null,
            Schedule = TraceSchedule.Of(schedule),
            Steps = TraceFileStep.Of(result),
        };
    }

    /// <summary>The options a replay of <paramref name="trace"/> runs with: those it was recorded with, without a time limit.</summary>
    public static ExplorationOptions ReplayOptions(TraceDocument trace, string displayName)
    {
        ExplorationOptions options;
        try
        {
            options = RecordedSettings.Read(trace.Settings) with { TimeLimit = null };
        }
        catch (FormatException ex)
        {
            throw new UsageException($"{displayName} has invalid settings ({ex.Message}); record a new trace with 'sim explore'");
        }

        return options.Validate() is { } problem
            ? throw new UsageException($"{displayName} has invalid settings ({problem}); record a new trace with 'sim explore'")
            : options;
    }

    /// <summary>The schedule record a trace holds; a record that is cut short or edited is a <see cref="UsageException"/>.</summary>
    public static ScheduleRecord Schedule(TraceDocument trace, string displayName)
    {
        var (record, problem) = trace.Schedule.Read();
        return record ?? throw new UsageException($"{displayName} is not a valid sim trace: {problem}; record a new one with 'sim explore {trace.Scenario} --variant {trace.Variant}'");
    }

    /// <summary>Writes <paramref name="trace"/> to <paramref name="path"/> in one piece.</summary>
    public static void Save(TraceDocument trace, string path) => AtomicFile.WriteAllText(path, Json.Serialize(trace));

    /// <summary>
    /// Reads a trace file; anything missing, malformed, too large or of another format is a <see cref="UsageException"/>.
    /// A file that does not begin like JSON is refused after its first bytes.
    /// </summary>
    public static TraceDocument Load(string path, string displayName)
    {
        const string Advice = "record a new one with 'sim explore'";
        if (Directory.Exists(path))
        {
            throw new UsageException($"{displayName} is a folder, not a trace file; give one of the .json files that 'sim explore' or 'sim hunt' saved (a hunt saves them in OUTPUT/traces/)");
        }

        var text = JsonFile.ReadText(path, displayName, "sim trace", "no such trace file; give the path 'sim explore' or 'sim hunt' printed", Advice);
        try
        {
            using (var document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }))
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String)
                {
                    throw new UsageException($"{displayName} is not a sim trace (it has no \"format\": \"{TraceDocument.CurrentFormat}\"); {Advice}");
                }

                if (format.GetString() is TraceDocument.CoyoteFormat or TraceDocument.PointsFormat)
                {
                    var again = root.TryGetProperty("scenario", out var sc) && root.TryGetProperty("variant", out var va)
                        ? $"'sim explore {sc} --variant {va}'"
                        : "'sim explore'";
                    var why = format.GetString() == TraceDocument.CoyoteFormat
                        ? "which holds Coyote's schedule, not Sim's own"
                        : "recorded before a thread's start and the process's exit were scheduling points and plain accesses stopped being ones";
                    throw new UsageException(
                        $"{displayName} is a {format.GetString()} trace, {why}; this sim replays {TraceDocument.CurrentFormat}: record it again with {again}");
                }

                if (format.GetString() != TraceDocument.CurrentFormat)
                {
                    throw new UsageException($"{displayName} is in format '{format.GetString()}', but this sim reads '{TraceDocument.CurrentFormat}'; {Advice}");
                }

                if (JsonFile.MissingField(root, typeof(TraceDocument)) is { } missing)
                {
                    throw new UsageException($"{displayName} is not a valid sim trace: it has no \"{missing}\"; {Advice}");
                }
            }

            var trace = JsonSerializer.Deserialize<TraceDocument>(text, Json.Options)
                ?? throw new UsageException($"{displayName} is empty; {Advice}");
            return Check(trace, displayName, Advice);
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{displayName} is not a valid sim trace: {JsonFile.Problem(ex)}; {Advice}");
        }
    }

    private static TraceDocument Check(TraceDocument trace, string displayName, string advice)
    {
        string? problem = null;
        if (string.IsNullOrWhiteSpace(trace.Scenario) || string.IsNullOrWhiteSpace(trace.Variant))
        {
            problem = "it names no scenario or variant";
        }
        else if (trace.Finding is null || string.IsNullOrWhiteSpace(trace.Finding.Message))
        {
            problem = "it records no failure message";
        }
        else if (trace.Schedule?.Entries is null || trace.Schedule.Entries.Any(e => e is null))
        {
            problem = "its \"schedule\" is malformed";
        }
        else if (trace.Steps is null || trace.Steps.Any(s => s is null || s.Action is null || s.ThreadName is null))
        {
            problem = "its \"steps\" are malformed";
        }
        else if (trace.Settings is null)
        {
            problem = "it records no settings";
        }

        return problem is null ? trace : throw new UsageException($"{displayName} is not a valid sim trace: {problem}; {advice}");
    }

    private static string Safe(string name) => Unsafe().Replace(name, "_");

    [GeneratedRegex(@"[^A-Za-z0-9._-]")]
    private static partial Regex Unsafe();
}
