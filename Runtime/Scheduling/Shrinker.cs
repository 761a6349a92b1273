using System.Diagnostics;
using System.Text.RegularExpressions;
using Sim.Runtime.Exploration;

namespace Sim.Runtime.Scheduling;

/// <summary>
/// Shrinks a failing schedule: looks for a schedule with fewer preemptions and fewer steps (never more of either) that
/// fails with the same finding (<see cref="SameFinding"/>: the same kind and message, up to the numbers in it), running
/// each candidate under Coyote through the schedule record, and keeps the smallest. The result is then replayed strictly from its record, like any trace, before it
/// replaces the schedule exploration found.
/// </summary>
/// <remarks>
/// <para>
/// The candidates are edits of the schedule's context switches, each anchored to how far the thread it leaves had got
/// (after the context-switch elimination of Jalbert and Sen, "A trace simplification technique for effective debugging
/// of concurrent programs", FSE 2010), tried in this order: no switch at all (the run goes on without preempting); the
/// switches up to each preemption and no preemption after it; each preemption removed; each other switch removed; each
/// choice set to 0. Each is run with <see cref="GuidedPolicy"/>; the first that is smaller and fails the same way becomes
/// the schedule to shrink, and the edits start over from its record, until none helps or
/// <see cref="ExplorationOptions.ShrinkRuns"/> candidates have run. The search is greedy: the result is a local minimum,
/// deterministic for a given schedule and budget.
/// </para>
/// <para>A livelock is not shrunk: its schedule ends at the step bound whatever the preemptions.</para>
/// </remarks>
internal static partial class Shrinker
{
    /// <summary>Shrinks the schedule of <paramref name="found"/>; returns <paramref name="found"/> with the smallest schedule and its steps, and a <see cref="ShrinkReport"/>.</summary>
    public static ExplorationResult Shrink(Action<SimRuntime> program, ExplorationOptions options, ExplorationResult found)
    {
        if (!found.FoundBug || found.Kind == FindingKind.Livelock || found.Schedule is not { } original)
        {
            return found;
        }

        var clock = Stopwatch.StartNew();
        var runs = 0;
        var best = original;
        var budget = options.ShrinkRuns;
        var improved = true;
        while (improved && runs < budget)
        {
            improved = false;
            foreach (var (switches, values) in Candidates(best))
            {
                if (runs >= budget)
                {
                    break;
                }

                runs++;
                var candidate = Explorer.RunOnce(program, options, new GuidedPolicy(switches, values, options.MaxSteps));
                if (SameFinding(candidate, found) && candidate.Schedule is { } s && Smaller(s, best))
                {
                    best = s;
                    improved = true;
                    break;
                }
            }
        }

        var replayed = ReferenceEquals(best, original) ? found : Explorer.Replay(program, best, options);
        clock.Stop();
        if (!SameFinding(replayed, found))
        {
            // Never hand back a schedule that does not replay to the same failure.
            return found with { Shrink = new(original.Steps, original.Preemptions, original.Steps, original.Preemptions, runs, clock.Elapsed) };
        }

        return found with
        {
            Message = replayed.Message,
            Schedule = replayed.Schedule,
            Steps = replayed.Steps,
            BugIterationSteps = replayed.BugIterationSteps,
            Shrink = new(original.Steps, original.Preemptions, best.Steps, best.Preemptions, runs, clock.Elapsed)
            {
                MessageBefore = replayed.Message == found.Message ? null : found.Message,
            },
        };
    }

    /// <summary>True if <paramref name="a"/> has no more steps and no more preemptions than <paramref name="b"/>, and fewer of one.</summary>
    internal static bool Smaller(ScheduleRecord a, ScheduleRecord b) =>
        a.Steps <= b.Steps && a.Preemptions <= b.Preemptions && (a.Steps < b.Steps || a.Preemptions < b.Preemptions);

    /// <summary>
    /// True if <paramref name="r"/> found the same bug as <paramref name="found"/>: the same kind, and the same message up to
    /// the numbers in it (thread ids and numbered names, counts, values), so that the same deadlock between two other
    /// workers of a symmetric scenario counts, and a failure of another check does not.
    /// </summary>
    internal static bool SameFinding(ExplorationResult r, ExplorationResult found) =>
        r.Outcome == Outcome.BugFound && r.Kind == found.Kind && r.Message is { } m && found.Message is { } f
        && Numbers().Replace(m, "#") == Numbers().Replace(f, "#");

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Numbers();

    /// <summary>The edits of <paramref name="schedule"/> to try, in order: switches to keep, and choice values.</summary>
    private static IEnumerable<(List<ScheduleSwitch> Switches, List<int> Values)> Candidates(ScheduleRecord schedule)
    {
        var switches = ScheduleSwitch.Of(schedule);
        var values = schedule.Entries.Where(e => e.IsChoice).Select(e => e.Value).ToList();
        var preemptions = Enumerable.Range(0, switches.Count).Where(i => switches[i].Preemptive).ToList();

        // No switch at all; then the switches up to each preemption, and no preemption after it.
        yield return ([], values);
        foreach (var p in preemptions)
        {
            yield return ([.. switches.Where((s, i) => i <= p || !s.Preemptive)], values);
        }

        // Each preemption removed, then each other switch.
        foreach (var i in preemptions.Concat(Enumerable.Range(0, switches.Count).Where(i => !switches[i].Preemptive)))
        {
            yield return ([.. switches.Where((_, j) => j != i)], values);
        }

        // Each choice back to its first value.
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] != 0)
            {
                yield return (switches, [.. values[..i], 0, .. values[(i + 1)..]]);
            }
        }
    }
}
