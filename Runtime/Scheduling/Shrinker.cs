using System.Diagnostics;
using Sim.Runtime.Exploration;

namespace Sim.Runtime.Scheduling;

/// <summary>
/// Shrinks a failing schedule: looks for a schedule with fewer preemptions and fewer steps (never more of either) that
/// fails with the same finding (the same kind and message), running each candidate under Coyote through the schedule
/// record, and keeps the smallest. The result is then replayed strictly from its record, like any trace, before it
/// replaces the schedule exploration found.
/// </summary>
/// <remarks>
/// <para>
/// The candidates are edits of the schedule seen as blocks of consecutive steps of one thread (after Jalbert and Sen,
/// "A trace simplification technique for effective debugging of concurrent programs", FSE 2010), tried in this order:
/// the schedule without preemptions at all; each prefix up to a preemption, then no more preemptions; each preemption
/// removed by letting the preempted thread go on; each block dropped (its thread runs later); each choice set to 0. Each
/// is run with <see cref="GuidedPolicy"/>; the first that is smaller and fails the same way becomes the schedule to
/// shrink, and the edits start over from it, until none helps or <see cref="ExplorationOptions.ShrinkRuns"/> candidates
/// have run. The search is greedy: the result is a local minimum, deterministic for a given schedule and budget.
/// </para>
/// <para>A livelock is not shrunk: its schedule ends at the step bound whatever the preemptions.</para>
/// </remarks>
internal static class Shrinker
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
            foreach (var (blocks, values) in Candidates(best))
            {
                if (runs >= budget)
                {
                    break;
                }

                runs++;
                var candidate = Explorer.RunOnce(program, options, new GuidedPolicy(blocks, values, options.MaxSteps));
                if (SameFinding(candidate, found) && candidate.Schedule is { } s && Smaller(s, best))
                {
                    best = s;
                    improved = true;
                    break;
                }
            }
        }

        var replayed = Explorer.Replay(program, best, options);
        clock.Stop();
        if (!SameFinding(replayed, found))
        {
            // Never hand back a schedule that does not replay to the same failure.
            return found with { Shrink = new(original.Steps, original.Preemptions, original.Steps, original.Preemptions, runs, clock.Elapsed) };
        }

        return found with
        {
            Schedule = replayed.Schedule,
            Steps = replayed.Steps,
            BugIterationSteps = replayed.BugIterationSteps,
            Shrink = new(original.Steps, original.Preemptions, best.Steps, best.Preemptions, runs, clock.Elapsed),
        };
    }

    /// <summary>True if <paramref name="a"/> has no more steps and no more preemptions than <paramref name="b"/>, and fewer of one.</summary>
    internal static bool Smaller(ScheduleRecord a, ScheduleRecord b) =>
        a.Steps <= b.Steps && a.Preemptions <= b.Preemptions && (a.Steps < b.Steps || a.Preemptions < b.Preemptions);

    private static bool SameFinding(ExplorationResult r, ExplorationResult found) =>
        r.Outcome == Outcome.BugFound && r.Kind == found.Kind && r.Message == found.Message;

    /// <summary>The edits of <paramref name="schedule"/> to try, in order.</summary>
    private static IEnumerable<(List<ScheduleBlock> Blocks, List<int> Values)> Candidates(ScheduleRecord schedule)
    {
        var (blocks, preempted) = Blocks(schedule);
        var values = schedule.Entries.Where(e => e.IsChoice).Select(e => e.Value).ToList();

        // No preemption at all; then each prefix up to a preemption (kept), and no more after it.
        yield return ([], values);
        foreach (var p in preempted)
        {
            yield return (blocks[..(p + 1)], values);
        }

        // Each preemption removed: the preempted thread goes on, taking its next block's steps at once.
        foreach (var p in preempted)
        {
            var edited = new List<ScheduleBlock>(blocks);
            var resumed = blocks[p - 1];
            var next = blocks.FindIndex(p, b => b.Thread == resumed.Thread);
            edited[p - 1] = resumed with { Count = next < 0 ? int.MaxValue : resumed.Count + blocks[next].Count };
            if (next >= 0)
            {
                edited.RemoveAt(next);
            }

            yield return (edited, values);
        }

        // Each block dropped: its thread's steps come later.
        for (var i = blocks.Count - 1; i > 0; i--)
        {
            yield return ([.. blocks[..i], .. blocks[(i + 1)..]], values);
        }

        // Each choice back to its first value.
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] != 0)
            {
                var edited = new List<int>(values) { [i] = 0 };
                yield return (blocks, edited);
            }
        }
    }

    /// <summary>
    /// The schedule's steps as blocks of one thread each, and the indexes of the blocks that begin with a preemption. The
    /// first block is the main thread's run before the first step (empty unless the first steps go to it).
    /// </summary>
    private static (List<ScheduleBlock> Blocks, List<int> Preempted) Blocks(ScheduleRecord schedule)
    {
        var blocks = new List<ScheduleBlock> { new(1, 0) };
        var preempted = new List<int>();
        foreach (var e in schedule.Entries.Where(e => !e.IsChoice))
        {
            if (blocks[^1].Thread == e.Thread)
            {
                blocks[^1] = blocks[^1] with { Count = blocks[^1].Count + 1 };
                continue;
            }

            if (e.IsPreemption)
            {
                preempted.Add(blocks.Count);
            }

            blocks.Add(new ScheduleBlock(e.Thread, 1));
        }

        return (blocks, preempted);
    }
}
