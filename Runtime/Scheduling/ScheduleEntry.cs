using System.Globalization;
using System.Text.RegularExpressions;

namespace Sim.Runtime.Scheduling;

/// <summary>
/// One entry of a <see cref="ScheduleRecord"/>: a scheduling step (which thread ran, among which runnable threads, doing
/// what) or a controlled choice (its label, how many values it had, the value taken).
/// </summary>
public readonly partial record struct ScheduleEntry
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

    /// <summary>
    /// The entry as trace files write it, one line: a step <c>T2 of T1,T2: load m._bits</c> (the thread that ran, the
    /// threads that could have, what it did); a choice <c>T1 chose 1 of 2: timeout on m._bits may fire early</c> (who, the
    /// value, how many values, the label). <see cref="TryParse"/> reads it back.
    /// </summary>
    public override string ToString() => IsChoice
        ? $"T{Thread.ToString(CultureInfo.InvariantCulture)} chose {Value.ToString(CultureInfo.InvariantCulture)} of {Count.ToString(CultureInfo.InvariantCulture)}: {Label}"
        : $"T{Thread.ToString(CultureInfo.InvariantCulture)} of {Runnable}: {Op}";

    /// <summary>
    /// Reads an entry in the form <see cref="ToString"/> writes. A step's <see cref="From"/> is not written (it is the
    /// thread of the previous step), so the reader supplies it.
    /// </summary>
    /// <param name="text">The entry's text.</param>
    /// <param name="from">The thread that was running before this entry (1 for the first).</param>
    /// <param name="entry">The entry read.</param>
    /// <returns>False if the text is not an entry (the entry is then the default).</returns>
    public static bool TryParse(string? text, int from, out ScheduleEntry entry)
    {
        entry = default;
        if (text is null)
        {
            return false;
        }

        var choice = ChoiceText().Match(text);
        if (choice.Success)
        {
            if (!TryId(choice.Groups[1].Value, out var who) || !int.TryParse(choice.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                || !int.TryParse(choice.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1 || value >= count)
            {
                return false;
            }

            entry = Choice(who, choice.Groups[4].Value, count, value);
            return true;
        }

        var step = StepText().Match(text);
        if (!step.Success || !TryId(step.Groups[1].Value, out var thread) || !ScheduleOp.TryParse(step.Groups[3].Value, out var op))
        {
            return false;
        }

        var runnable = ThreadSet.Empty;
        foreach (var t in step.Groups[2].Value.Split(','))
        {
            if (!TryId(t[1..], out var id))
            {
                return false;
            }

            runnable = runnable.With(id);
        }

        if (!runnable.Contains(thread))
        {
            return false;
        }

        entry = Step(thread, from, runnable, op);
        return true;
    }

    private static bool TryId(string digits, out int id) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id is >= 1 and <= ThreadSet.MaxThreadId;

    [GeneratedRegex(@"^T([0-9]+) chose ([0-9]+) of ([0-9]+): (.*)$", RegexOptions.Singleline)]
    private static partial Regex ChoiceText();

    [GeneratedRegex(@"^T([0-9]+) of (T[0-9]+(?:,T[0-9]+)*): (.+)$", RegexOptions.Singleline)]
    private static partial Regex StepText();
}
