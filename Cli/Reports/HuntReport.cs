using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Sim.Cli.Loading;
using Sim.Cli.Output;
using Sim.Runtime.Coverage;
using Sim.Runtime.Exploration;
using Sim.Runtime.Races;
using Sim.Scenarios.Catalog;

namespace Sim.Cli.Reports;

/// <summary>
/// The machine-readable report of <c>sim hunt</c> (<c>hunt.json</c>, format <see cref="CurrentFormat"/>): the settings,
/// the totals, and one entry per scenario variant. README, "sim hunt", describes the fields.
/// </summary>
internal sealed record HuntReport
{
    /// <summary>The format tag.</summary>
    public const string CurrentFormat = "sim-hunt/1";

    public string Format { get; init; } = CurrentFormat;

    public required string Tool { get; init; }

    /// <summary>The build that ran (<see cref="ToolInfo.Build"/>); <c>sim merge</c> merges only reports of one build.</summary>
    public required string Build { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required double ElapsedSeconds { get; init; }

    /// <summary>The config file read, if any.</summary>
    public required string? ConfigFile { get; init; }

    /// <summary>The exploration settings every variant ran with (<see cref="Configuration.RecordedSettings"/>).</summary>
    public required JsonObject Settings { get; init; }

    /// <summary>
    /// The outside assemblies the scenarios came from (<c>--assembly</c>, <c>--project</c>); empty for the corpus built
    /// into the tool. <c>sim merge</c> merges only reports of the same assemblies, and loads them from here.
    /// </summary>
    public IReadOnlyList<ScenarioAssembly> Assemblies { get; init; } = [];

    /// <summary>The <c>--scenario</c> patterns of the hunt (empty: every variant).</summary>
    public required IReadOnlyList<string> Selection { get; init; }

    /// <summary>The shard run (<c>1/1</c> when not sharded, and for a merged report).</summary>
    public required string Shard { get; init; }

    /// <summary>What the shards divide: <c>variants</c> or <c>iterations</c>.</summary>
    public required Hunting.ShardSplit Split { get; init; }

    /// <summary>The shards a merged report was made of (<c>sim merge</c>); empty for a hunt's own report.</summary>
    public IReadOnlyList<string> MergedFrom { get; init; } = [];

    /// <summary>True if every selected variant finished and met its expectation.</summary>
    public required bool Passed { get; init; }

    /// <summary>True if Ctrl-C or SIGTERM stopped the hunt: the results are the variants that finished before.</summary>
    public bool Interrupted { get; init; }

    /// <summary>True if the hunt's wall-time limit stopped it: the results are the variants that finished before.</summary>
    public bool TimeLimitReached { get; init; }

    public required int Total { get; init; }

    public required int Met { get; init; }

    public required int NotMet { get; init; }

    public required int Errors { get; init; }

    public required IReadOnlyList<HuntEntry> Results { get; init; }
}

/// <summary>One variant's result.</summary>
/// <param name="Scenario">The scenario.</param>
/// <param name="Variant">The variant.</param>
/// <param name="Expected">The expectation: <c>clean</c> or <c>bug: "fragment"</c>.</param>
/// <param name="ExpectsBug">True if a bug is expected.</param>
/// <param name="Outcome">How the exploration ended (JSON: clean, bugFound, scenarioError).</param>
/// <param name="Kind">The bug's kind (JSON: assertion, exception, deadlock, livelock), if one was found.</param>
/// <param name="Message">The bug's or the error's message.</param>
/// <param name="Verdict">met, notMet or error.</param>
/// <param name="Explanation">Why, in a sentence.</param>
/// <param name="Iterations">Iterations run: to the first bug, or all of them when clean.</param>
/// <param name="SchedulingSteps">Scheduling steps over all iterations.</param>
/// <param name="ElapsedSeconds">Wall time: to the first bug, or of all iterations when clean.</param>
/// <param name="Strategy">The strategy as the harness described it.</param>
/// <param name="Trace">The saved trace (a path relative to the report's folder), if a bug was found.</param>
/// <param name="Coverage">How much the exploration covered: distinct scheduling points, conflicting access pairs and those seen in both orders.</param>
/// <param name="RacyFields">The fields declared deliberately racy that the exploration touched (not checked by the race detector).</param>
/// <param name="FirstIteration">
/// The number, in the whole run, of the first iteration this entry explored: 1, unless <c>--split iterations</c> gave
/// the shard a later slice (the bug was then found in iteration <c>FirstIteration - 1 + Iterations</c> of the whole run).
/// </param>
/// <param name="Shrink">What shrinking did to the bug's schedule, if it ran.</param>
/// <param name="Bounded">What the preemption-bounded search covered, if it ran and found no bug.</param>
/// <param name="Completion">With <c>runToCompletion</c>: iterations run, how many failed, and the distinct findings.</param>
internal sealed record HuntEntry(
    string Scenario,
    string Variant,
    string Expected,
    bool ExpectsBug,
    Outcome Outcome,
    FindingKind? Kind,
    string? Message,
    VerdictKind Verdict,
    string Explanation,
    int Iterations,
    long SchedulingSteps,
    double ElapsedSeconds,
    string Strategy,
    string? Trace,
    ExplorationCoverage Coverage,
    IReadOnlyList<RacyField> RacyFields,
    uint FirstIteration = 1,
    HuntShrink? Shrink = null,
    HuntBounded? Bounded = null,
    HuntCompletion? Completion = null)
{
    /// <summary>
    /// A bug's schedule after shrinking ("12 steps, 1 preemption (from 118, 3)"), or how far the preemption-bounded search
    /// got on a clean variant ("&lt;= 1 preemption: 347", "0 preemptions: 13", "all: 12" when every schedule ran, "none:
    /// 1,000 run"). For the
    /// summary table and JUnit; not in the JSON, which has the figures.
    /// </summary>
    [JsonIgnore]
    public string Schedules
    {
        get
        {
            if (Shrink is { } s)
            {
                return Format.Steps(s.StepsAfter, s.PreemptionsAfter)
                    + (s.StepsAfter != s.StepsBefore || s.PreemptionsAfter != s.PreemptionsBefore ? $" (from {Format.Count(s.StepsBefore)}, {Format.Count(s.PreemptionsBefore)})" : string.Empty);
            }

            return Bounded switch
            {
                { Exhaustive: true } b => $"all: {Format.Count(b.Schedules)}",
                { CleanBound: 0 } b => $"0 preemptions: {Format.Count(b.Schedules)}",
                { CleanBound: { } k } b => $"<= {k} preemption{(k == 1 ? string.Empty : "s")}: {Format.Count(b.Schedules)}",
                { } b => $"none: {Format.Count(b.Runs)} run",
                _ => string.Empty,
            };
        }
    }
}

/// <summary>What shrinking did to a bug's schedule (<see cref="ShrinkReport"/>).</summary>
/// <param name="StepsBefore">Scheduling steps of the schedule exploration found.</param>
/// <param name="PreemptionsBefore">Its preemptions.</param>
/// <param name="StepsAfter">Scheduling steps of the schedule kept (the trace's).</param>
/// <param name="PreemptionsAfter">Its preemptions.</param>
/// <param name="Runs">Candidate schedules run.</param>
/// <param name="ElapsedSeconds">Wall time of shrinking.</param>
internal sealed record HuntShrink(int StepsBefore, int PreemptionsBefore, int StepsAfter, int PreemptionsAfter, int Runs, double ElapsedSeconds)
{
    public static HuntShrink? Of(ShrinkReport? s) =>
        s is null ? null : new(s.StepsBefore, s.PreemptionsBefore, s.StepsAfter, s.PreemptionsAfter, s.Runs, s.Elapsed.TotalSeconds);
}

/// <summary>What a run to completion found over all its iterations (<see cref="CompletionTally"/>).</summary>
/// <param name="Iterations">Iterations run.</param>
/// <param name="FailedIterations">Iterations that ended in a finding.</param>
/// <param name="Findings">The distinct findings, most frequent first.</param>
internal sealed record HuntCompletion(int Iterations, int FailedIterations, IReadOnlyList<HuntFindingGroup> Findings)
{
    public static HuntCompletion? Of(CompletionTally? c) =>
        c is null ? null : new(c.Iterations, c.FailedIterations, [.. c.Groups.Select(g => new HuntFindingGroup(g.Kind, g.Message, g.Example, g.Count, g.FirstIteration))]);
}

/// <summary>One distinct finding of a run to completion (<see cref="FindingGroup"/>).</summary>
/// <param name="Kind">The finding's kind.</param>
/// <param name="Message">The message with its numbers replaced by <c>#</c>.</param>
/// <param name="Example">The first such iteration's message.</param>
/// <param name="Iterations">Iterations that failed this way.</param>
/// <param name="FirstIteration">The first of them.</param>
internal sealed record HuntFindingGroup(FindingKind Kind, string Message, string Example, int Iterations, int FirstIteration);

/// <summary>What the preemption-bounded search covered (<see cref="BoundedCoverage"/>).</summary>
/// <param name="CleanBound">The largest k such that every schedule with at most k preemptions ran clean; null if none.</param>
/// <param name="Schedules">How many schedules have at most <paramref name="CleanBound"/> preemptions.</param>
/// <param name="Runs">Schedules run in all.</param>
/// <param name="Exhaustive">True if every schedule of the program ran (no k was needed).</param>
/// <param name="ElapsedSeconds">Wall time of the search.</param>
internal sealed record HuntBounded(int? CleanBound, long Schedules, long Runs, bool Exhaustive, double ElapsedSeconds)
{
    public static HuntBounded? Of(BoundedCoverage? b) =>
        b is null ? null : new(b.CleanBound, b.Schedules, b.Runs, b.Exhaustive, b.Elapsed.TotalSeconds);
}
