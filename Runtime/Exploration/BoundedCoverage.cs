using System.Globalization;

namespace Sim.Runtime.Exploration;

/// <summary>
/// What a preemption-bounded search (<see cref="Strategy.PreemptionBounded"/>) covered without finding a bug: the
/// largest <c>k</c> for which it ran every schedule with at most <c>k</c> preemptions, and how many those were.
/// README, "Clean to k preemptions", says what the claim covers and what it does not.
/// </summary>
/// <param name="CleanBound">The largest k whose schedules were all run, all clean; null if not even every schedule without preemption was.</param>
/// <param name="Schedules">How many schedules have at most <see cref="CleanBound"/> preemptions (all run); 0 when <see cref="CleanBound"/> is null.</param>
/// <param name="Runs">Schedules run in all, including those of an unfinished k + 1.</param>
/// <param name="Exhaustive">True if no schedule needed more preemptions than allowed: every schedule of the program was run.</param>
/// <param name="Elapsed">Wall time of the search.</param>
public sealed record BoundedCoverage(int? CleanBound, long Schedules, long Runs, bool Exhaustive, TimeSpan Elapsed)
{
    /// <summary>"every schedule with at most 1 preemption is clean (347 schedules)", or why there is no such k.</summary>
    public override string ToString()
    {
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        if (CleanBound is not { } k)
        {
            return $"not every schedule without preemption finished within {N(Runs)} schedules";
        }

        var preemptions = k switch
        {
            0 => "without preemptions",
            1 => "with at most 1 preemption",
            _ => $"with at most {k} preemptions",
        };
        return Exhaustive
            ? $"every schedule is clean ({N(Schedules)} schedules, none {(k == 0 ? "with a preemption" : $"with more than {k} preemption{(k == 1 ? string.Empty : "s")}")})"
            : $"every schedule {preemptions} is clean ({N(Schedules)} schedules)";
    }
}
