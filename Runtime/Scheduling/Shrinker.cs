using System.Diagnostics;
using System.Text.RegularExpressions;
using Sim.Runtime.Exploration;

namespace Sim.Runtime.Scheduling;

/// <summary>
/// Shrinks a failing schedule: looks for a schedule that fails with the same finding (<see cref="SameFinding"/>: the same
/// kind and message, up to the numbers in it) with as few preemptions as it can find, then as few steps, never more of
/// either than the schedule exploration found; runs each candidate under Coyote through the schedule record; and keeps the
/// smallest. The result is then replayed strictly from its record, like any trace, before it replaces the schedule found.
/// </summary>
/// <remarks>
/// <para>"Smaller" orders schedules by preemptions, then steps; a candidate must also have no more preemptions and no more
/// steps than the schedule found, so the result is never longer, whatever the order in which the candidates improved it.</para>
/// <para>
/// Two searches share the budget of <see cref="ExplorationOptions.ShrinkRuns"/> runs. First, edits of the schedule's
/// context switches, each anchored to how far the thread it leaves had got (after the context-switch elimination of
/// Jalbert and Sen, "A trace simplification technique for effective debugging of concurrent programs", FSE 2010), tried in
/// this order: no switch at all (the run goes on without preempting); with at most sixteen preemptions, each one alone
/// (many bugs need just one); the preemptions removed in halves, then quarters, and so on down to one at a time (the subsets delta debugging tries: Zeller and Hildebrandt, "Simplifying and isolating
/// failure-inducing input", TSE 2002); each other switch removed; each choice set to 0. Each is run with
/// <see cref="GuidedPolicy"/>; the first that is smaller and fails the same way becomes the schedule to shrink, and the
/// edits start over from its record, until none helps. Then, with what is left of the budget, the preemption-bounded
/// search (<see cref="BoundedSearch"/>) runs every schedule with at most as many preemptions as the best so far, k = 0,
/// 1, ..., and keeps the smallest that fails the same way; when it finishes a round that found a smaller one (or the last
/// round), no schedule with fewer preemptions fails that way, and none with as many is shorter. On small programs that is the known minimum; on large
/// ones the budget runs out first and the edits' local minimum stands. Either way the result is deterministic for a given
/// schedule and budget.
/// </para>
/// <para>A livelock is not shrunk: its schedule ends at the step bound whatever the preemptions.</para>
/// </remarks>
internal static partial class Shrinker
{
    /// <summary>Up to this many preemptions, the edits try each one alone (many bugs need just one).</summary>
    private const int FewPreemptions = 16;

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

        // A smaller schedule that fails the same way, never longer nor with more preemptions than the one found.
        bool Improves(ExplorationResult candidate) =>
            SameFinding(candidate, found) && candidate.Schedule is { } s
            && s.Steps <= original.Steps && s.Preemptions <= original.Preemptions
            && (s.Preemptions, s.Steps).CompareTo((best.Preemptions, best.Steps)) < 0;

        // The edits of the best schedule so far, from the start after each improvement.
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
                if (Improves(candidate))
                {
                    best = candidate.Schedule!;
                    improved = true;
                    break;
                }
            }
        }

        // Every schedule with at most as many preemptions, k = 0, 1, ..., until a round that found a smaller one is over.
        if (runs < budget)
        {
            var search = new BoundedSearch((uint)best.Preemptions, options.MaxSteps);
            int? foundAt = null;
            do
            {
                runs++;
                var candidate = Explorer.RunOnce(program, options, search.NextRun());
                if (Improves(candidate))
                {
                    best = candidate.Schedule!;
                    foundAt ??= search.Bound;
                }
            }
            while (runs < budget && search.RunEnded() && (foundAt is null || search.Bound == foundAt));
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

        // No switch at all; with a few preemptions, each one alone; then the preemptions removed in halves, quarters, ...
        // down to one at a time (as delta debugging does), so that a schedule with many preemptions loses most of them in
        // a few runs.
        yield return ([], values);
        if (preemptions.Count is > 1 and <= FewPreemptions)
        {
            foreach (var p in preemptions)
            {
                yield return ([.. switches.Where((s, i) => i == p || !s.Preemptive)], values);
            }
        }

        for (var size = (preemptions.Count + 1) / 2; size >= 1; size = size == 1 ? 0 : (size + 1) / 2)
        {
            for (var start = 0; start < preemptions.Count; start += size)
            {
                var removed = preemptions.Skip(start).Take(size).ToHashSet();
                yield return ([.. switches.Where((_, i) => !removed.Contains(i))], values);
            }
        }

        // Each other switch removed: the thread that blocked or exited hands over to the lowest runnable one instead.
        foreach (var i in Enumerable.Range(0, switches.Count).Where(i => !switches[i].Preemptive))
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
