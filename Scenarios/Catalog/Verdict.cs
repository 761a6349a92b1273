using System.Globalization;
using Sim.Runtime.Exploration;

namespace Sim.Scenarios.Catalog;

/// <summary>Whether an exploration met the variant's expectation.</summary>
public enum VerdictKind
{
    /// <summary>The expected bug was found, or a clean variant stayed clean.</summary>
    Met,

    /// <summary>No bug where one was expected, another bug than the expected one, or a bug in a clean variant.</summary>
    NotMet,

    /// <summary>The scenario escaped the Runtime's control (an error of the scenario), or the tool failed: not a finding either way.</summary>
    Error,
}

/// <summary>
/// The verdict on one variant and why: the one place that decides whether an exploration met a variant's
/// <see cref="Expectation"/> (<c>sim hunt</c>, <c>sim explore</c>, <c>sim compare</c> and the tests all ask it).
/// </summary>
/// <param name="Kind">Met, not met, or an error of the scenario.</param>
/// <param name="Explanation">Why, in a sentence.</param>
public sealed record Verdict(VerdictKind Kind, string Explanation)
{
    /// <summary>True if the expectation was met.</summary>
    public bool IsMet => Kind == VerdictKind.Met;

    /// <summary>Judges <paramref name="result"/> against <paramref name="expected"/>.</summary>
    /// <param name="expected">The variant's expectation.</param>
    /// <param name="result">The exploration's result.</param>
    /// <param name="budget">The iterations the settings allowed (to tell a time limit from a full run).</param>
    public static Verdict Judge(Expectation expected, ExplorationResult result, uint budget)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(result);
        var iterations = result.Iterations.ToString("N0", CultureInfo.InvariantCulture);
        switch (result.Outcome)
        {
            case Outcome.BugFound when expected.IsMetBy(result.Message):
                return new(VerdictKind.Met, $"found the expected bug in iteration {iterations}");
            case Outcome.BugFound when expected is Expectation.BugExpectation bug:
                return new(VerdictKind.NotMet, $"found another bug than the expected one (containing {string.Join(" or ", bug.Fragments.Select(f => $"\"{f}\""))}): {result.Message}");
            case Outcome.BugFound:
                return new(VerdictKind.NotMet, $"found a bug in a variant expected to be clean: {result.Message}");
            case Outcome.Clean when expected is Expectation.BugExpectation bug:
                return new(VerdictKind.NotMet, $"no bug in {iterations} iterations; expected one containing {string.Join(" or ", bug.Fragments.Select(f => $"\"{f}\""))}");
            case Outcome.Clean:
                var limited = result.Iterations < budget ? $" (the time limit stopped it before {budget:N0})" : string.Empty;
                return new(VerdictKind.Met, $"clean after {iterations} iterations{limited}");
            case Outcome.ReplayFailed:
                return new(VerdictKind.Error, $"replay failed: {result.Message}");
            case Outcome.ToolError:
                return new(VerdictKind.Error, $"error of the tool (not a finding): {result.Message}");
            default:
                return new(VerdictKind.Error, $"scenario error (not a finding): {result.Message}");
        }
    }
}
