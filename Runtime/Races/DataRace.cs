using System.Globalization;

namespace Sim.Runtime.Races;

/// <summary>
/// Two accesses to the same plain (non-atomic) field by different threads, at least one a write, that no
/// happens-before edge orders: what ThreadSanitizer reports as a data race, and undefined behaviour in C.
/// </summary>
/// <param name="Field">The field's name (the cell's, for example <c>counter</c> or <c>handle.state</c>).</param>
/// <param name="Earlier">The access that came first in the schedule.</param>
/// <param name="Later">The access that found the race.</param>
public sealed record DataRace(string Field, RaceAccess Earlier, RaceAccess Later)
{
    /// <summary>The finding's message: both accesses, then why they race.</summary>
    public string Message =>
        $"data race on {Field}: {Earlier} and {Later} are not ordered by happens-before " +
        "(no lock, acquire/release atomic, park/unpark, thread start or join orders them)";
}

/// <summary>One side of a <see cref="DataRace"/>.</summary>
/// <param name="ThreadId">The thread's id.</param>
/// <param name="ThreadName">The thread's name.</param>
/// <param name="Operation">The Model operation the thread was in (for example <c>PyMutex_Lock(m)</c>), if any.</param>
/// <param name="IsWrite">True for a write, false for a read.</param>
/// <param name="Step">The access's step in the iteration's trace, from 1.</param>
public sealed record RaceAccess(int ThreadId, string ThreadName, string? Operation, bool IsWrite, int Step)
{
    /// <summary><c>T2(worker) write in PyMutex_Lock(m) at step #12</c>.</summary>
    public override string ToString()
    {
        var where = Operation is null ? string.Empty : $" in {Operation}";
        return string.Create(CultureInfo.InvariantCulture, $"T{ThreadId}({ThreadName}) {(IsWrite ? "write" : "read")}{where} at step #{Step}");
    }
}
