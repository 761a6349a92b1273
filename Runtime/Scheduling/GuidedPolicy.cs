using Sim.Runtime.Threads;

namespace Sim.Runtime.Scheduling;

/// <summary>
/// A context switch of a schedule, anchored to the thread it leaves: when <paramref name="From"/> has taken
/// <paramref name="FromSteps"/> steps and a decision comes up, <paramref name="To"/> runs next. Anchored to the leaving
/// thread's own progress rather than to a global step number, the switch still means the same once other switches are
/// removed.
/// </summary>
/// <param name="From">The thread that was running.</param>
/// <param name="FromSteps">How many steps it had taken in the run.</param>
/// <param name="To">The thread that runs next.</param>
/// <param name="Preemptive">True if <paramref name="From"/> could have gone on.</param>
internal readonly record struct ScheduleSwitch(int From, int FromSteps, int To, bool Preemptive)
{
    /// <summary>The switches of a recorded schedule, in order.</summary>
    public static List<ScheduleSwitch> Of(ScheduleRecord schedule)
    {
        var steps = new int[ThreadSet.MaxThreadId + 1];
        var switches = new List<ScheduleSwitch>();
        foreach (var e in schedule.Entries)
        {
            if (e.IsChoice)
            {
                continue;
            }

            if (e.Thread != e.From)
            {
                switches.Add(new(e.From, steps[e.From], e.Thread, e.IsPreemption));
            }

            steps[e.Thread]++;
        }

        return switches;
    }
}

/// <summary>
/// Runs a schedule sketched as context switches (<see cref="ScheduleSwitch"/>) and choice values, leniently: a switch
/// whose moment comes goes to its thread if that thread can run; everywhere else the run goes on without preempting (the
/// running thread while it can; when it blocks or exits, the lowest runnable id), and choices past the sketch's values
/// take 0. Every run it gives is a real schedule of the program; <see cref="Shrinker"/> uses it to try a failing
/// schedule with some of its switches removed.
/// </summary>
/// <param name="switches">The sketch's switches.</param>
/// <param name="values">The choices' values, in order.</param>
/// <param name="stepBound">Scheduling points after which the run is a livelock.</param>
internal sealed class GuidedPolicy(IEnumerable<ScheduleSwitch> switches, IReadOnlyList<int> values, long stepBound) : SchedulePolicy
{
    private readonly Dictionary<(int, int), int> _switches = switches.ToDictionary(s => (s.From, s.FromSteps), s => s.To);
    private readonly int[] _steps = new int[ThreadSet.MaxThreadId + 1];
    private int _value;

    /// <inheritdoc/>
    public override long? StepBound => stepBound;

    /// <inheritdoc/>
    public override int NextThread(in Decision decision, IReadOnlyList<SimThread> threads)
    {
        var next = _switches.TryGetValue((decision.From, _steps[decision.From]), out var to) && decision.Runnable.Contains(to)
            ? to
            : decision.NonPreemptive;
        _steps[next]++;
        return next;
    }

    /// <inheritdoc/>
    public override int NextValue(int thread, string label, int count) =>
        _value < values.Count ? Math.Min(values[_value++], count - 1) : 0;
}
