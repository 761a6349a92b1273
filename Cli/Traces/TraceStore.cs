using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
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
    /// <summary>Trace files larger than this are not read: no trace comes near it, and a stray file must not exhaust memory.</summary>
    public const int MaxBytes = 64 << 20;

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

        var text = ReadText(path, displayName, Advice);
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

                if (Missing(root, Json.Options.GetTypeInfo(typeof(TraceDocument)), string.Empty) is { } missing)
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
            var line = ex.LineNumber is { } n ? $" (line {n + 1})" : string.Empty;
            var problem = ex.Path is { Length: > 2 } at ? $"its \"{at[2..]}\" is not of the right kind{line}" : $"it is not well-formed JSON{line}";
            throw new UsageException($"{displayName} is not a valid sim trace: {problem}; {Advice}");
        }
    }

    /// <summary>
    /// The file's text, read at most <see cref="MaxBytes"/> at a time: a file that is larger, not UTF-8, or that does not
    /// begin with <c>{</c> (after a byte-order mark and white space) is refused as soon as that shows.
    /// </summary>
    private static string ReadText(string path, string displayName, string advice)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            var buffer = new byte[64 * 1024];
            using var bytes = new MemoryStream();
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (bytes.Length == 0 && !BeginsLikeJson(buffer.AsSpan(0, read)))
                {
                    throw new UsageException($"{displayName} is not a sim trace (it is not JSON); {advice}");
                }

                if (bytes.Length + read > MaxBytes)
                {
                    throw new UsageException($"{displayName} is larger than {MaxBytes >> 20} MiB, which no sim trace is; {advice}");
                }

                bytes.Write(buffer, 0, read);
            }

            try
            {
                return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes.GetBuffer(), 0, (int)bytes.Length);
            }
            catch (DecoderFallbackException)
            {
                throw new UsageException($"{displayName} is not a sim trace (it is not UTF-8 text); {advice}");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException(ex is FileNotFoundException or DirectoryNotFoundException
                ? $"{displayName}: no such trace file; give the path 'sim explore' or 'sim hunt' printed"
                : $"cannot read {displayName}: {ex.Message}");
        }
    }

    /// <summary>True if <paramref name="start"/> (a file's first bytes) is empty or begins, after a BOM and white space, with <c>{</c>.</summary>
    private static bool BeginsLikeJson(ReadOnlySpan<byte> start)
    {
        if (start.StartsWith(Encoding.UTF8.Preamble))
        {
            start = start[Encoding.UTF8.Preamble.Length..];
        }

        var i = 0;
        while (i < start.Length && start[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i == start.Length || start[i] == (byte)'{';
    }

    /// <summary>
    /// The first field (a dotted path) that <paramref name="element"/> lacks although the contract of its type requires
    /// it, or null. Read from the serializer's contract, so that the message names the field.
    /// </summary>
    private static string? Missing(JsonElement element, JsonTypeInfo info, string path)
    {
        if (info.Kind == JsonTypeInfoKind.Object && element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in info.Properties)
            {
                var name = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                if (!element.TryGetProperty(property.Name, out var value))
                {
                    if (property.IsRequired || property.AssociatedParameter is { HasDefaultValue: false })
                    {
                        return name;
                    }
                }
                else if (Missing(value, Json.Options.GetTypeInfo(property.PropertyType), name) is { } missing)
                {
                    return missing;
                }
            }
        }
        else if (info.Kind == JsonTypeInfoKind.Enumerable && element.ValueKind == JsonValueKind.Array && info.ElementType is { } itemType)
        {
            var itemInfo = Json.Options.GetTypeInfo(itemType);
            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (Missing(item, itemInfo, $"{path}[{i++}]") is { } missing)
                {
                    return missing;
                }
            }
        }

        return null;
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
