using Sim.Runtime.Threads;

namespace Sim.Runtime.Scheduling;

/// <summary>
/// Replays a <see cref="ScheduleRecord"/> step by step: each step goes to the recorded thread, each choice takes the
/// recorded value. The first time the program asks for something the record does not hold (another set of runnable
/// threads, another operation of the recorded thread, a choice where a step was recorded or the reverse, another label,
/// a step past the record's end, or an end before it) the replay stops and says where; it never guesses.
/// </summary>
/// <param name="record">The schedule to replay.</param>
/// <param name="endsInLivelock">The record ends where the step bound stopped the recorded run: asking past its end is that livelock.</param>
internal sealed class ReplayPolicy(ScheduleRecord record, bool endsInLivelock) : SchedulePolicy
{
    private int _next;
    private int _steps;

    /// <inheritdoc/>
    public override int NextThread(in Decision decision, IReadOnlyList<SimThread> threads)
    {
        var step = _steps + 1;
        if (Next() is not { } e)
        {
            return endsInLivelock
                ? EndAsLivelock
                : throw Diverged($"at step {step} the program goes on, but the record ends after {record.Steps} steps");
        }

        if (e.IsChoice)
        {
            throw Diverged($"at step {step} the program schedules a thread, but the record has T{e.Thread}'s choice \"{e.Label}\" there");
        }

        if (e.Runnable != decision.Runnable)
        {
            throw Diverged($"at step {step} the runnable threads are {decision.Runnable}, but the record has {e.Runnable}");
        }

        var op = threads[e.Thread - 1].PendingOp;
        if (op != e.Op)
        {
            throw Diverged($"at step {step} T{e.Thread} would {op}, but the record has it {e.Op}");
        }

        _next++;
        _steps++;
        return e.Thread;
    }

    /// <inheritdoc/>
    public override int NextValue(int thread, string label, int count)
    {
        if (Next() is not { } e)
        {
            return endsInLivelock
                ? EndAsLivelock
                : throw Diverged($"after step {_steps} T{thread} makes the choice \"{label}\", but the record ends there");
        }

        if (!e.IsChoice)
        {
            throw Diverged($"after step {_steps} T{thread} makes the choice \"{label}\", but the record has step {_steps + 1} there");
        }

        if (e.Thread != thread || e.Label != label || e.Count != count)
        {
            throw Diverged($"after step {_steps} T{thread} makes the choice \"{label}\" among {count}, but the record has T{e.Thread}'s \"{e.Label}\" among {e.Count}");
        }

        _next++;
        return e.Value;
    }

    /// <inheritdoc/>
    public override void RunEnded()
    {
        if (_next < record.Entries.Count)
        {
            throw Diverged($"the run ended after step {_steps}, but the record holds {record.Entries.Count - _next} more entries");
        }
    }

    private ScheduleEntry? Next() => _next < record.Entries.Count ? record.Entries[_next] : null;

    private static ScheduleDivergedException Diverged(string where) => new($"the schedule diverges: {where}");
}
