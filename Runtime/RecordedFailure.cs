using Sim.Runtime.Exploration;
using Sim.Runtime.Threads;

namespace Sim.Runtime;

/// <summary>The first failure of a run, with its kind as the Runtime saw it happen (not as a message reads).</summary>
/// <param name="Kind"><see cref="FindingKind.Assertion"/> for a failed check, <see cref="FindingKind.Exception"/> for a thread that threw.</param>
/// <param name="Message">The message a report shows.</param>
/// <param name="Details">More, when there is more: the stack trace of an exception (stress reports show it).</param>
internal sealed record RecordedFailure(FindingKind Kind, string Message, string? Details = null)
{
    /// <summary>A failed invariant check.</summary>
    public static RecordedFailure Check(string message) => new(FindingKind.Assertion, message);

    /// <summary>An exception that escaped a simulated thread's body.</summary>
    public static RecordedFailure ThreadThrew(SimThread thread, Exception exception) =>
        new(FindingKind.Exception, $"{thread} threw {exception.GetType().Name}: {exception.Message}", exception.ToString());

    /// <summary>A deadlock on real threads: every live thread blocked without a timeout (<paramref name="threads"/> says on what).</summary>
    public static RecordedFailure Deadlock(string threads) => new(FindingKind.Deadlock, "Deadlock: no thread can run. " + threads);
}
