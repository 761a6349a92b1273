using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Sim.Cli.Output;
using Sim.Runtime.Exploration;
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

    public required DateTimeOffset StartedAt { get; init; }

    public required double ElapsedSeconds { get; init; }

    /// <summary>The config file read, if any.</summary>
    public required string? ConfigFile { get; init; }

    /// <summary>The exploration settings every variant ran with (<see cref="Configuration.RecordedSettings"/>).</summary>
    public required JsonObject Settings { get; init; }

    /// <summary>The shard run (<c>1/1</c> when not sharded).</summary>
    public required string Shard { get; init; }

    /// <summary>True if every expectation held.</summary>
    public required bool Passed { get; init; }

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
/// <param name="Shrink">What shrinking did to the bug's schedule, if it ran.</param>
/// <param name="Bounded">What the preemption-bounded search covered, if it ran and found no bug.</param>
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
    HuntShrink? Shrink = null,
    HuntBounded? Bounded = null)
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
