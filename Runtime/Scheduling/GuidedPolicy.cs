using Sim.Runtime.Threads;

namespace Sim.Runtime.Scheduling;

/// <summary>A stretch of a schedule in which one thread runs: <paramref name="Thread"/> takes up to <paramref name="Count"/> steps in a row.</summary>
/// <param name="Thread">The thread.</param>
/// <param name="Count">How many steps; <see cref="int.MaxValue"/> for as long as it can.</param>
internal readonly record struct ScheduleBlock(int Thread, int Count);

/// <summary>
/// Runs a schedule sketched as blocks (<see cref="ScheduleBlock"/>) and choice values, leniently: a block's thread runs
/// its steps while it can; when it cannot (it blocked, or exited) the rest of its block is dropped and the next block
/// whose thread can run takes over; after the last block, and for choices past the last value, the run goes on without
/// preempting (the running thread while it can, else the lowest runnable id) and with choice value 0. Every run it
/// gives is a real schedule of the program; <see cref="Shrinker"/> uses it to try edits of a failing schedule.
/// </summary>
/// <param name="blocks">The sketch's blocks, in order.</param>
/// <param name="values">The choices' values, in order.</param>
/// <param name="stepBound">Scheduling points after which the run is a livelock.</param>
internal sealed class GuidedPolicy(IReadOnlyList<ScheduleBlock> blocks, IReadOnlyList<int> values, long stepBound) : SchedulePolicy
{
    private int _block;
    private int _used;
    private int _value;

    /// <inheritdoc/>
    public override long? StepBound => stepBound;

    /// <inheritdoc/>
    public override int NextThread(in Decision decision, IReadOnlyList<SimThread> threads)
    {
        for (; _block < blocks.Count; _block++, _used = 0)
        {
            var b = blocks[_block];
            if (_used < b.Count && decision.Runnable.Contains(b.Thread))
            {
                _used++;
                return b.Thread;
            }
        }

        return decision.NonPreemptive;
    }

    /// <inheritdoc/>
    public override int NextValue(int thread, string label, int count) =>
        _value < values.Count ? Math.Min(values[_value++], count - 1) : 0;
}
