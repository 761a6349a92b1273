using Sim.Runtime.Deadlocks;
using Sim.Runtime.Exploration;
using Sim.Runtime.Races;
using Sim.Runtime.Threads;

namespace Sim.Runtime;

/// <summary>The first failure of a run, with its kind as the Runtime saw it happen (not as a message reads).</summary>
/// <param name="Kind"><see cref="FindingKind.Assertion"/> for a failed check, <see cref="FindingKind.Exception"/> for a thread that threw, <see cref="FindingKind.DataRace"/> for a race.</param>
/// <param name="Message">The message a report shows.</param>
/// <param name="Details">More, when there is more: the stack trace of an exception (stress reports show it).</param>
/// <param name="OfTool">
/// True if the failure is the tool's, not the program's: the process ran out of memory or stack while a simulated thread
/// ran (<see cref="Unwinding.IsToolFailure"/>). It ends the run like a finding, but it is reported as an error of the tool.
/// </param>
internal sealed record RecordedFailure(FindingKind Kind, string Message, string? Details = null, bool OfTool = false)
{
    /// <summary>The race, for a <see cref="FindingKind.DataRace"/>.</summary>
    public DataRace? Race { get; init; }

    /// <summary>The wait-for edges of the blocked threads, for a <see cref="FindingKind.Deadlock"/> under exploration.</summary>
    public IReadOnlyList<WaitEdge> WaitsFor { get; init; } = [];

    /// <summary>A failed invariant check.</summary>
    public static RecordedFailure Check(string message) => new(FindingKind.Assertion, message);

    /// <summary>An exception that escaped a simulated thread's body.</summary>
    public static RecordedFailure ThreadThrew(SimThread thread, Exception exception) =>
        Unwinding.IsToolFailure(exception)
            ? new(FindingKind.Exception, $"the tool ran out of resources while {thread} ran ({exception.GetType().Name}: {exception.Message})", exception.ToString(), OfTool: true)
            : new(FindingKind.Exception, $"{thread} threw {exception.GetType().Name}: {exception.Message}", exception.ToString());

    /// <summary>A deadlock on real threads: every live thread blocked without a timeout (<paramref name="threads"/> says on what).</summary>
    public static RecordedFailure Deadlock(string threads) => new(FindingKind.Deadlock, "Deadlock: no thread can run. " + threads);

    /// <summary>A data race the happens-before detector found.</summary>
    public static RecordedFailure OfRace(DataRace race) => new(FindingKind.DataRace, race.Message) { Race = race };
}
