using System.Globalization;
using Sim.Runtime.Cells;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Trace;

/// <summary>
/// A step as the controlled platform records it: cheap to make (no formatting), formatted into a
/// <see cref="TraceStep"/> only when a trace is shown or saved.
/// </summary>
internal sealed class StepRecord
{
    public required int Index { get; init; }

    public required SimThread Thread { get; init; }

    public required string? Operation { get; init; }

    public required AccessKind Kind { get; init; }

    public required string Target { get; init; }

    /// <summary>The cell accessed (or parked on), whose formatter decodes the step's values; null for other steps.</summary>
    public SharedCell? Cell { get; init; }

    public MemoryOrder Order { get; init; }

    public object? A { get; init; }

    public object? B { get; init; }

    public bool HasResult { get; set; }

    /// <summary>What the access read: a load's value, a compare-exchange's seen value, a write's previous value.</summary>
    public object? Result { get; set; }

    /// <summary>What a write, store or read-modify-write left in the cell.</summary>
    public object? After { get; set; }

    public bool? Success { get; set; }

    /// <summary>The step follows a switch away from a thread that could have gone on (the schedule record's <see cref="Scheduling.ScheduleEntry.IsPreemption"/>).</summary>
    public bool Preempted { get; set; }

    /// <summary>The thread blocked after this step (a park that parked, a join that waited, a yield that stepped aside).</summary>
    public bool Blocks { get; set; }

    /// <summary>The step of another thread that let this one go on: the unpark that woke a park, the joined thread's last step.</summary>
    public int? WokenBy { get; set; }

    public TraceStep ToStep() => new(Index, Thread.Id, Thread.Name, Operation, Kind, Describe())
    {
        Field = Cell?.Name,
        Preempted = Preempted,
        Blocks = Blocks,
        WokenBy = WokenBy,
    };

    /// <summary>
    /// The step's action in the trace's notation (README, "Reading a trace"): <c>field: before -> after</c> for a write,
    /// <c>field == value</c> for a read, a value decoded by the cell's formatter in parentheses, an atomic's memory order
    /// as pyatomic's suffix (<c>load_acquire</c>; sequentially consistent has none).
    /// </summary>
    private string Describe()
    {
        var order = Order == MemoryOrder.SeqCst ? string.Empty : "_" + Order.Short();
        return Kind switch
        {
            AccessKind.Load => $"load{order} {Target} == {Show(Result)}",
            AccessKind.Store => $"store{order} {Target}: {Show(Result)} -> {Show(After)}",
            AccessKind.Exchange => $"exchange{order} {Target}: {Show(Result)} -> {Show(After)}",
            AccessKind.CompareExchange => Success == true
                ? $"cas{order} {Target}: {Show(A)} -> {Show(B)}"
                : $"cas{order} {Target}: {Show(A)} -> {Show(B)} failed, saw {Show(Result)}",
            AccessKind.FetchAdd => $"fetch_add{order} {Target} +{Plain(A)}: {Show(Result)} -> {Show(After)}",
            AccessKind.FetchOr => $"fetch_or{order} {Target} |{Plain(A)}: {Show(Result)} -> {Show(After)}",
            AccessKind.FetchAnd => $"fetch_and{order} {Target} &{Plain(A)}: {Show(Result)} -> {Show(After)}",
            AccessKind.Read => $"read {Target} == {Show(Result)}",
            AccessKind.Write => $"write {Target}: {Show(Result)} -> {Show(After)}",
            AccessKind.Park => $"park on {Target} expecting {Show(A)}" + (B is null ? string.Empty : $", timeout {Plain(B)} ns"),
            AccessKind.Unparked => $"resumes from {Target}: {Plain(Result)}",
            AccessKind.Unpark => $"unpark one on {Target}" + (HasResult ? $": {Plain(Result)}" : string.Empty),
            AccessKind.UnparkAll => $"unpark all on {Target}" + (HasResult ? $": {Plain(Result)}" : string.Empty),
            AccessKind.Choose => $"choose {Target} -> {Plain(Result)}",
            AccessKind.Spawn => $"start {Target}",
            AccessKind.Join => $"join {Target}",
            AccessKind.Joined => $"joined {Target}: it has exited",
            AccessKind.Detach => $"detach {Target}",
            AccessKind.Yield => $"yield ({Target})",
            AccessKind.Fork => $"fork: {Target}",
            AccessKind.Note => Target,
            AccessKind.Failure => $"FAILED: {Target}",
            _ => Target,
        };
    }

    /// <summary>A value, and what the cell's formatter makes of it.</summary>
    private string Show(object? value) =>
        Cell?.Decode(value) is { Length: > 0 } decoded ? $"{Plain(value)} ({decoded})" : Plain(value);

    private static string Plain(object? value) => value switch
    {
        null => "NULL",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "?",
    };
}
