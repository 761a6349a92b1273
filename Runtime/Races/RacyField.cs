namespace Sim.Runtime.Races;

/// <summary>
/// A plain field that the Model or a scenario declares deliberately racy, as CPython has fields it reads or writes
/// without synchronisation on purpose (and lists in ThreadSanitizer's suppressions): the race detector does not check
/// its accesses. Explorations report every racy field their iterations touched, so that the list is visible.
/// </summary>
/// <param name="Field">The field's name (the cell's).</param>
/// <param name="Reason">Why the race is deliberate and harmless, citing the CPython code that has it.</param>
public sealed record RacyField(string Field, string Reason);
