using System.Text.Json;
using System.Text.RegularExpressions;
using Sim.Cli.Output;
using Sim.Runtime.Exploration;

namespace Sim.Cli.Traces;

/// <summary>Makes, saves and loads trace files. Saving is atomic; loading checks everything a replay relies on.</summary>
internal static partial class TraceStore
{
    /// <summary>The default path of a trace: <c>OUT/traces/SCENARIO.VARIANT.STRATEGY-SEED.json</c>.</summary>
    public static string DefaultPath(string outputDirectory, VariantRef variant, ExplorationOptions options) =>
        Path.Combine(outputDirectory, "traces",
            $"{Safe(variant.Scenario.Name)}.{Safe(variant.Variant.Name)}.{options.Strategy.Name()}-{options.Seed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "random"}.json");

    /// <summary>The trace of a bug that <see cref="Explorer.Explore"/> found.</summary>
    public static TraceDocument FromResult(VariantRef variant, ExplorationOptions options, ExplorationResult result)
    {
        if (!result.FoundBug || result.CoyoteTrace is null || result.Message is null)
        {
            throw new ArgumentException("only a found bug with a reproducible trace makes a trace file", nameof(result));
        }

        return new TraceDocument
        {
            Format = TraceDocument.CurrentFormat,
            Scenario = variant.Scenario.Name,
            Variant = variant.Variant.Name,
            Expected = variant.Variant.Expected.ToString(),
            Tool = ToolInfo.NameAndVersion,
            RecordedAt = DateTimeOffset.UtcNow,
            Options = SettingsRecord.From(options),
            Finding = new TraceFinding(
                KindName(result.Kind), result.Message, result.Iterations, result.BugIterationSteps, result.Strategy),
            CoyoteTrace = AsJson(result.CoyoteTrace),
            Steps = [.. result.Steps.Select(TraceFileStep.From)],
        };
    }

    /// <summary>The options a replay of <paramref name="trace"/> runs with: those it was recorded with.</summary>
    public static ExplorationOptions ReplayOptions(TraceDocument trace, string displayName)
    {
        var o = trace.Options;
        if (!StrategyNames.TryParse(o.Strategy, out var strategy))
        {
            throw new UsageException($"{displayName} names strategy '{o.Strategy}', which this sim does not know; record a new trace with 'sim explore'");
        }

        var options = new ExplorationOptions
        {
            Strategy = strategy,
            StrategyBound = o.StrategyBound,
            Iterations = o.Iterations,
            MaxSteps = o.MaxSteps,
            Seed = o.Seed,
            TimeLimit = null,
            VirtualNanosPerStep = o.VirtualNanosPerStep,
            YieldFairness = o.YieldFairness,
            HangTimeout = TimeSpan.FromSeconds(o.HangTimeoutSeconds),
        };
        return options.Validate() is { } problem
            ? throw new UsageException($"{displayName} has invalid options ({problem}); record a new trace with 'sim explore'")
            : options;
    }

    /// <summary>Writes <paramref name="trace"/> to <paramref name="path"/> in one piece.</summary>
    public static void Save(TraceDocument trace, string path) => AtomicFile.WriteAllText(path, Json.Serialize(trace));

    /// <summary>Reads a trace file; anything missing, malformed or of another format is a <see cref="UsageException"/>.</summary>
    public static TraceDocument Load(string path, string displayName)
    {
        const string Advice = "record a new one with 'sim explore'";
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException(ex is FileNotFoundException or DirectoryNotFoundException
                ? $"{displayName}: no such trace file; give the path 'sim explore' or 'sim hunt' printed"
                : $"cannot read {displayName}: {ex.Message}");
        }

        try
        {
            using (var document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }))
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String)
                {
                    throw new UsageException($"{displayName} is not a sim trace (it has no \"format\": \"{TraceDocument.CurrentFormat}\"); {Advice}");
                }

                if (format.GetString() != TraceDocument.CurrentFormat)
                {
                    throw new UsageException($"{displayName} is in format '{format.GetString()}', but this sim reads '{TraceDocument.CurrentFormat}'; {Advice}");
                }
            }

            var trace = JsonSerializer.Deserialize<TraceDocument>(text, Json.Options)
                ?? throw new UsageException($"{displayName} is empty; {Advice}");
            return Check(trace, displayName, Advice);
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{displayName} is not a valid sim trace: {Describe(ex)}; {Advice}");
        }
    }

    /// <summary>The name of a finding kind as traces spell it.</summary>
    public static string KindName(FindingKind? kind) => kind?.ToString().ToLowerInvariant() ?? "none";

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
        else if (trace.CoyoteTrace.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
            || (trace.CoyoteTrace.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(trace.CoyoteTrace.GetString())))
        {
            problem = "its \"coyoteTrace\" is empty";
        }
        else if (trace.Steps is null || trace.Steps.Any(s => s is null || s.Action is null || s.ThreadName is null))
        {
            problem = "its \"steps\" are malformed";
        }
        else if (trace.Options is null)
        {
            problem = "it records no options";
        }

        return problem is null ? trace : throw new UsageException($"{displayName} is not a valid sim trace: {problem}; {advice}");
    }

    private static JsonElement AsJson(string coyoteTrace)
    {
        try
        {
            using var document = JsonDocument.Parse(coyoteTrace);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(coyoteTrace);
        }
    }

    private static string Describe(JsonException ex)
    {
        var message = TypeName().Replace(ex.Message.ReplaceLineEndings(" "), string.Empty).Trim().TrimEnd('.');
        return ex.LineNumber is { } line ? $"{message} (line {line + 1})" : message;
    }

    private static string Safe(string name) => Unsafe().Replace(name, "_");

    [GeneratedRegex(@" ?for type '[^']*'|'Sim\.Cli\.[^']*'|( Path: \$[^ ]* \|)? LineNumber: \d+ \| BytePositionInLine: \d+\.?")]
    private static partial Regex TypeName();

    [GeneratedRegex(@"[^A-Za-z0-9._-]")]
    private static partial Regex Unsafe();
}
