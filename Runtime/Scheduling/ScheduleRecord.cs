namespace Sim.Runtime.Scheduling;

/// <summary>
/// The schedule of one run as the Runtime recorded it: at every scheduling step, which thread ran, which threads could
/// have, and what the thread did; at every controlled choice, the value. Replaying it (<see cref="Exploration.Explorer.Replay"/>)
/// gates each step to the recorded thread, so it is independent of the strategy that found it; shrinking and the
/// preemption-bounded search are edits of it. README, "Trace files", documents how trace files hold it.
/// </summary>
public sealed class ScheduleRecord
{
    /// <summary>Makes a record of <paramref name="entries"/>, in order.</summary>
    public ScheduleRecord(IEnumerable<ScheduleEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Entries = [.. entries];
        Steps = Entries.Count(e => !e.IsChoice);
        Choices = Entries.Count - Steps;
        Preemptions = Entries.Count(e => e.IsPreemption);
    }

    /// <summary>An empty record.</summary>
    public static ScheduleRecord Empty { get; } = new([]);

    /// <summary>The steps and choices, in the order they happened.</summary>
    public IReadOnlyList<ScheduleEntry> Entries { get; }

    /// <summary>How many scheduling steps it holds.</summary>
    public int Steps { get; }

    /// <summary>How many controlled choices it holds.</summary>
    public int Choices { get; }

    /// <summary>How many of its steps are preemptions (<see cref="ScheduleEntry.IsPreemption"/>).</summary>
    public int Preemptions { get; }

    /// <summary>"118 steps, 3 preemptions".</summary>
    public override string ToString() => $"{Steps} steps, {Preemptions} preemptions";
}
