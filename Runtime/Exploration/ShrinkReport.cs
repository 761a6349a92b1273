namespace Sim.Runtime.Exploration;

/// <summary>What shrinking did to a failing schedule (<see cref="Scheduling.Shrinker"/>): steps and preemptions before and after.</summary>
/// <param name="StepsBefore">Scheduling steps of the schedule exploration found.</param>
/// <param name="PreemptionsBefore">Its preemptions.</param>
/// <param name="StepsAfter">Scheduling steps of the smallest schedule that fails the same way.</param>
/// <param name="PreemptionsAfter">Its preemptions.</param>
/// <param name="Runs">Candidate schedules run (each replayed through the record, under Coyote).</param>
/// <param name="Elapsed">Wall time of shrinking.</param>
public sealed record ShrinkReport(int StepsBefore, int PreemptionsBefore, int StepsAfter, int PreemptionsAfter, int Runs, TimeSpan Elapsed)
{
    /// <summary>
    /// The message of the schedule exploration found, when the smaller schedule words the same finding with other numbers
    /// (other thread ids, say); null when the message did not change.
    /// </summary>
    public string? MessageBefore { get; init; }

    /// <summary>True if the schedule got smaller.</summary>
    public bool Shrunk => StepsAfter < StepsBefore || PreemptionsAfter < PreemptionsBefore;

    /// <summary>"118 -> 40 steps, 3 -> 1 preemptions (23 candidate schedules)".</summary>
    public override string ToString() =>
        $"{StepsBefore} -> {StepsAfter} steps, {PreemptionsBefore} -> {PreemptionsAfter} preemptions ({Runs} candidate schedules)";
}
