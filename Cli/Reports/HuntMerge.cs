using System.Text.Json;
using Sim.Cli.Hunting;
using Sim.Cli.Loading;
using Sim.Cli.Output;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Catalog;

namespace Sim.Cli.Reports;

/// <summary>
/// Combines the reports of the shards of one hunt (<c>sim merge</c>) into the report a single process would have
/// written: the results in catalog order and the totals. Shards that split the variants contribute their variants;
/// shards that split the iterations contribute slices of every variant, which are joined in iteration order: the first
/// slice that found a bug gives the finding, at its iteration in the whole run, with the steps and time of the slices
/// before it added, and its shrinking; a variant clean in every slice is clean after all their iterations, with the
/// preemption-bounded search of the last slice (the only one that runs it, <see cref="HuntPlan.Task"/>). Reports of different builds,
/// settings, selections or splits, of another number of shards, or a shard given twice or missing, are refused.
/// </summary>
internal static class HuntMerge
{
    /// <summary>
    /// Reads a shard's <c>hunt.json</c>; anything missing, too large, not JSON, of another format or without a field a
    /// report has is a <see cref="UsageException"/> (<see cref="JsonFile"/>).
    /// </summary>
    public static HuntReport Read(string path, string displayName)
    {
        const string Advice = "give the hunt.json (or the output folder) of each shard";
        var text = JsonFile.ReadText(path, displayName, "sim hunt report", $"no such report; {Advice}", Advice);
        try
        {
            using (var document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }))
            {
                var root = document.RootElement;
                var format = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
                if (format != HuntReport.CurrentFormat)
                {
                    throw new UsageException($"{displayName} is not a sim hunt report (its format is {(format is null ? "missing" : $"'{format}'")}, not '{HuntReport.CurrentFormat}')");
                }

                if (JsonFile.MissingField(root, typeof(HuntReport)) is { } missing)
                {
                    throw new UsageException($"{displayName} is not a valid sim hunt report: it has no \"{missing}\"; {Advice}");
                }
            }

            return JsonSerializer.Deserialize<HuntReport>(text, Json.Options) ?? throw new JsonException("empty");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{displayName} is not a valid sim hunt report: {JsonFile.Problem(ex)}; {Advice}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            throw new UsageException($"{displayName} is not a valid sim hunt report: {Format.OneLine(ex.Message)}; {Advice}");
        }
    }

    /// <summary>
    /// The merged report of <paramref name="shards"/> (each named for messages), whose scenarios are in
    /// <paramref name="catalog"/> (<see cref="CatalogOf"/>); an inconsistent set is a <see cref="UsageException"/>.
    /// </summary>
    public static HuntReport Merge(IReadOnlyList<(string Name, HuntReport Report)> shards, Catalog catalog)
    {
        if (shards.Count == 0)
        {
            throw new UsageException("give the reports of the shards to merge");
        }

        var (firstName, first) = shards[0];
        var count = ShardOf(first, firstName).N;
        var seen = new Dictionary<int, string>();
        foreach (var (name, report) in shards)
        {
            Same(firstName, name, "build", first.Build, report.Build, "merge reports of one build: every shard must run the same sim");
            Same(firstName, name, "scenario assemblies", Shown(Names(first)), Shown(Names(report)), "every shard must hunt the scenarios of the same assemblies");
            Same(firstName, name, "settings", first.Settings.ToJsonString(), report.Settings.ToJsonString(), "every shard must hunt with the same settings");
            Same(firstName, name, "selection", string.Join(" ", first.Selection), string.Join(" ", report.Selection), "every shard must hunt the same --scenario patterns");
            Same(firstName, name, "split", Json.Name(first.Split), Json.Name(report.Split), "every shard must split the hunt the same way");
            var shard = ShardOf(report, name);
            if (shard.N != count)
            {
                throw new UsageException($"{name} is shard {shard} but {firstName} is of {count} shards: merge the shards of one hunt");
            }

            if (!seen.TryAdd(shard.K, name))
            {
                throw new UsageException($"{name} and {seen[shard.K]} are both shard {shard}: give each shard's report once");
            }
        }

        var missing = Enumerable.Range(1, count).Where(k => !seen.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            throw new UsageException($"the reports of shard{(missing.Count == 1 ? string.Empty : "s")} {string.Join(", ", missing.Select(k => $"{k}/{count}"))} are missing: merge every shard of the hunt");
        }

        var budget = (uint)first.Settings["iterations"]!.GetValue<long>();
        var order = catalog.AllVariants.Select((v, i) => (v.Name, i)).ToDictionary(p => p.Name, p => p.i);
        var results = shards.SelectMany(s => s.Report.Results)
            .GroupBy(e => $"{e.Scenario}/{e.Variant}")
            .Select(g => first.Split == ShardSplit.Iterations ? Join(catalog.Select([g.Key]).Single(), [.. g], budget) : Single(g.Key, [.. g]))
            .OrderBy(e => order.GetValueOrDefault($"{e.Scenario}/{e.Variant}", int.MaxValue))
            .ToList();
        var total = first.Split == ShardSplit.Iterations ? first.Total : shards.Sum(s => s.Report.Total);
        var interrupted = shards.Any(s => s.Report.Interrupted);
        var timedOut = shards.Any(s => s.Report.TimeLimitReached);
        return first with
        {
            StartedAt = shards.Min(s => s.Report.StartedAt),
            ElapsedSeconds = shards.Max(s => s.Report.ElapsedSeconds),
            Shard = Shard.Whole.ToString(),
            MergedFrom = [.. shards.Select(s => s.Report.Shard).Order(StringComparer.Ordinal)],
            Passed = results.Count == total && results.All(e => e.Verdict == VerdictKind.Met) && !interrupted && !timedOut,
            Interrupted = interrupted,
            TimeLimitReached = timedOut,
            Total = total,
            Met = results.Count(e => e.Verdict == VerdictKind.Met),
            NotMet = results.Count(e => e.Verdict == VerdictKind.NotMet),
            Errors = results.Count(e => e.Verdict == VerdictKind.Error),
            Results = results,
        };
    }

    private static HuntEntry Single(string name, List<HuntEntry> entries) =>
        entries.Count == 1 ? entries[0] : throw new UsageException($"{name} is in the reports of {entries.Count} shards: merge the shards of one hunt");

    /// <summary>
    /// Joins the slices of one variant into the entry of the whole run of <paramref name="budget"/> iterations: the slices
    /// in iteration order up to the first that did not end clean (which gives the finding, at its iteration in the whole
    /// run), or all of them when every one was clean. What the slices after the finding did is not used (a single process
    /// would not have run them), so they may be left out or stopped early. Used by <c>sim merge</c> for shards and by the
    /// hunt for its own slices (<see cref="SliceJoin"/>).
    /// </summary>
    public static HuntEntry Join(VariantRef variant, IReadOnlyList<HuntEntry> slices, uint budget)
    {
        ArgumentNullException.ThrowIfNull(slices);
        var ordered = slices.OrderBy(e => e.FirstIteration).ToList();
        if (ordered.Select(e => e.FirstIteration).Distinct().Count() != ordered.Count)
        {
            throw new UsageException($"{variant.Name}: two shards explored the same slice of its iterations: merge the shards of one hunt");
        }

        var end = ordered.FindIndex(e => e.Outcome != Outcome.Clean);
        var used = end < 0 ? ordered : ordered.GetRange(0, end + 1);
        var last = used[^1];
        var steps = used.Sum(e => e.SchedulingSteps);
        var seconds = used.Sum(e => e.ElapsedSeconds);
        var iterations = last.Outcome == Outcome.Clean ? used.Sum(e => e.Iterations) : (int)(last.FirstIteration - 1 + (uint)last.Iterations);
        var verdict = Verdict.Judge(variant.Variant.Expected, new ExplorationResult
        {
            Outcome = last.Outcome,
            Kind = last.Kind,
            Message = last.Message,
            Iterations = iterations,
            SchedulingSteps = steps,
            Elapsed = TimeSpan.FromSeconds(seconds),
            Strategy = last.Strategy,
        }, budget);
        return last with
        {
            Verdict = verdict.Kind,
            Explanation = verdict.Explanation,
            Iterations = iterations,
            SchedulingSteps = steps,
            ElapsedSeconds = seconds,
            FirstIteration = 1,

            // Coverage is counted per process, and counts of distinct points do not add up: the joined entry gives the
            // largest slice's figures, a lower bound of what the slices covered together.
            Coverage = used.Select(e => e.Coverage).MaxBy(c => (c.SchedulingPoints, c.ConflictPairs))!,
            RacyFields = [.. used.SelectMany(e => e.RacyFields).Distinct().OrderBy(f => f.Field, StringComparer.Ordinal)],
        };
    }

    /// <summary>
    /// The catalog the scenarios of <paramref name="first"/> (the first report, named <paramref name="name"/>) are in: that
    /// <paramref name="given"/> (loaded from <c>--assembly</c>, <c>--project</c>) if not null, else the built-in corpus or the
    /// outside assemblies the report recorded, loaded from where they were. Assemblies other than the report's are a
    /// <see cref="UsageException"/>.
    /// </summary>
    public static Catalog CatalogOf(HuntReport first, string name, Catalog? given, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(first);
        if (given is null)
        {
            return ScenarioSources.LoadRecorded(first.Assemblies, $"{name} is the report of a hunt of the scenarios", context);
        }

        var names = string.Join(", ", given.Assemblies.Select(a => ScenarioAssembly.Of(a).Name));
        return names == Names(first) ? given
            : throw new UsageException($"{name} is the report of a hunt of the scenarios of {Shown(Names(first))}, not of {Shown(names)}: give the --assembly or --project that hunt was given");
    }

    /// <summary>The names of the report's outside assemblies, as one string (empty: the built-in corpus).</summary>
    private static string Names(HuntReport report) => string.Join(", ", report.Assemblies.Select(a => a.Name));

    private static string Shown(string names) => names.Length == 0 ? "the built-in corpus" : names;

    private static Shard ShardOf(HuntReport report, string name)
    {
        try
        {
            return Shard.Parse(report.Shard, new Dictionary<string, string>());
        }
        catch (UsageException)
        {
            throw new UsageException($"{name} names no shard (\"shard\": \"{report.Shard}\"): it is not the report of a sim hunt");
        }
    }

    private static void Same(string firstName, string name, string what, string expected, string actual, string advice)
    {
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            throw new UsageException($"{name} and {firstName} differ in their {what} ({Cut(actual)} and {Cut(expected)}): {advice}");
        }
    }

    private static string Cut(string text) => text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");

}
