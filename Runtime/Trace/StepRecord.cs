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

    public MemoryOrder Order { get; init; }

    public object? A { get; init; }

    public object? B { get; init; }

    public bool HasResult { get; set; }

    public object? Result { get; set; }

    public bool? Success { get; set; }

    public TraceStep ToStep() => new(Index, Thread.Id, Thread.Name, Operation, Kind, Describe());

    private string Describe()
    {
        var order = Order == MemoryOrder.SeqCst ? string.Empty : " " + Order.Short();
        return Kind switch
        {
            AccessKind.Load => $"load {Target}{order} → {Show(Result)}",
            AccessKind.Store => $"store {Target} ← {Show(A)}{order}",
            AccessKind.Exchange => $"exchange {Target} ← {Show(A)}{order} (was {Show(Result)})",
            AccessKind.CompareExchange => Success == true
                ? $"cas {Target} {Show(A)}→{Show(B)}{order}: ok"
                : $"cas {Target} {Show(A)}→{Show(B)}{order}: failed, saw {Show(Result)}",
            AccessKind.FetchAdd => $"fetch_add {Target} {Show(A)}{order} (was {Show(Result)})",
            AccessKind.FetchOr => $"fetch_or {Target} {Show(A)}{order} (was {Show(Result)})",
            AccessKind.FetchAnd => $"fetch_and {Target} {Show(A)}{order} (was {Show(Result)})",
            AccessKind.Read => $"read {Target} → {Show(Result)}",
            AccessKind.Write => $"write {Target} ← {Show(A)}",
            AccessKind.Park => $"park on {Target} expecting {Show(A)}" + (B is null ? string.Empty : $", timeout {Show(B)} ns"),
            AccessKind.Unparked => $"resumes from {Target}: {Show(A)}",
            AccessKind.Unpark => $"unpark one on {Target}" + (HasResult ? $": {Show(Result)}" : string.Empty),
            AccessKind.UnparkAll => $"unpark all on {Target}" + (HasResult ? $": {Show(Result)}" : string.Empty),
            AccessKind.Choose => $"choose {Target} → {Show(Result)}",
            AccessKind.Spawn => $"start {Target}",
            AccessKind.Join => $"join {Target}",
            AccessKind.Detach => $"detach {Target}",
            AccessKind.Yield => $"yield ({Target})",
            AccessKind.Fork => $"fork: {Target}",
            AccessKind.Note => Target,
            AccessKind.Failure => $"FAILED: {Target}",
            _ => Target,
        };
    }

    private static string Show(object? value) => value switch
    {
        null => "NULL",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "?",
    };
}
