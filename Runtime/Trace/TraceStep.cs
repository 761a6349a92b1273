namespace Sim.Runtime.Trace;

/// <summary>One readable step of a trace: which thread did which operation.</summary>
/// <param name="Index">The step's position in the iteration, from 1.</param>
/// <param name="ThreadId">The simulated thread's small, stable id (the main thread is 1).</param>
/// <param name="ThreadName">The thread's name.</param>
/// <param name="Operation">The innermost model operation the thread was in (for example <c>PyMutex_Lock</c>), if any.</param>
/// <param name="Kind">What kind of step it was (<see cref="AccessKind.Failure"/> for the failing one).</param>
/// <param name="Action">What it did, in the trace's notation: <c>cas m._bits: 0 -> 1 (LOCKED)</c>.</param>
public sealed record TraceStep(int Index, int ThreadId, string ThreadName, string? Operation, AccessKind Kind, string Action)
{
    /// <summary>The field (cell) the step accessed or parked on, if any.</summary>
    public string? Field { get; init; }

    /// <summary>True if the step follows a preemption: the scheduler switched to this thread away from one that could have gone on.</summary>
    public bool Preempted { get; init; }

    /// <summary>True if the thread blocked after this step (a park that parked, a join that waited, a yield that stepped aside).</summary>
    public bool Blocks { get; init; }

    /// <summary>The step of another thread that let this one go on (the unpark that woke it, the last step of the thread it joined).</summary>
    public int? WokenBy { get; init; }

    /// <summary>Formats the step as one line of a timeline.</summary>
    public override string ToString()
    {
        var op = Operation is null ? string.Empty : $"[{Operation}] ";
        return $"#{Index,-4} T{ThreadId} {ThreadName,-12} {op}{Action}";
    }
}
