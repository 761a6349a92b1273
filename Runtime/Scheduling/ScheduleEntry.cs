namespace Sim.Runtime.Scheduling;

/// <summary>
/// One entry of a <see cref="ScheduleRecord"/>: a scheduling step (which thread ran, among which runnable threads, doing
/// what) or a controlled choice (its label, how many values it had, the value taken).
/// </summary>
public readonly record struct ScheduleEntry
{
    private ScheduleEntry(bool isChoice, int thread, int from, ThreadSet runnable, ScheduleOp op, string? label, int count, int value)
    {
        IsChoice = isChoice;
        Thread = thread;
        From = from;
        Runnable = runnable;
        Op = op;
        Label = label;
        Count = count;
        Value = value;
    }

    /// <summary>True for a controlled choice, false for a scheduling step.</summary>
    public bool IsChoice { get; }

    /// <summary>The thread that ran (a step), or that made the choice.</summary>
    public int Thread { get; }

    /// <summary>The thread that was running when the step was decided (the thread of the previous step; the main thread, 1, first).</summary>
    public int From { get; }

    /// <summary>The threads that could have run at this step (a step only).</summary>
    public ThreadSet Runnable { get; }

    /// <summary>What the thread did when it ran (a step only).</summary>
    public ScheduleOp Op { get; }

    /// <summary>What the choice decided (a choice only).</summary>
    public string? Label { get; }

    /// <summary>How many values the choice had: 2 for a boolean (a choice only).</summary>
    public int Count { get; }

    /// <summary>The value chosen, from 0 (a choice only; a boolean is 0 for false, 1 for true).</summary>
    public int Value { get; }

    /// <summary>
    /// True for a preemption: a switch away from a thread that could have gone on (the thread that was running was
    /// runnable, and another one ran). A switch after a thread blocked or exited is not one.
    /// </summary>
    public bool IsPreemption => !IsChoice && Thread != From && Runnable.Contains(From);

    /// <summary>A scheduling step.</summary>
    /// <param name="thread">The thread that ran; it must be in <paramref name="runnable"/>.</param>
    /// <param name="from">The thread that was running when the step was decided.</param>
    /// <param name="runnable">The threads that could have run.</param>
    /// <param name="op">What <paramref name="thread"/> did.</param>
    public static ScheduleEntry Step(int thread, int from, ThreadSet runnable, ScheduleOp op) =>
        runnable.Contains(thread)
            ? new(false, thread, from, runnable, op, null, 0, 0)
            : throw new ArgumentException($"thread {thread} is not among the runnable threads {runnable}", nameof(thread));

    /// <summary>A controlled choice made by <paramref name="thread"/>.</summary>
    public static ScheduleEntry Choice(int thread, string label, int count, int value)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return value >= 0 && value < count
            ? new(true, thread, thread, ThreadSet.Empty, default, label, count, value)
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"a choice among {count} values takes 0 to {count - 1}");
    }

    /// <summary>One line: <c>T2 (of T1,T2) load m._bits</c>, <c>T1 chooses 1 of 2: timeout may fire early</c>.</summary>
    public override string ToString() => IsChoice
        ? $"T{Thread} chooses {Value} of {Count}: {Label}"
        : $"T{Thread} (of {Runnable}){(IsPreemption ? " preempting T" + From : string.Empty)}: {Op}";
}
