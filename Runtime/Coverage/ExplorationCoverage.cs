namespace Sim.Runtime.Coverage;

/// <summary>
/// How much of a program an exploration covered, so that a clean result says what it is clean over: the distinct
/// scheduling points its iterations reached, and the pairs of conflicting accesses (same field, different threads, at
/// least one a write) it saw, and how many of those it saw in both orders.
/// </summary>
/// <param name="SchedulingPoints">
/// Distinct scheduling points reached over all iterations: a point is a Model operation, the kind of step and its field or
/// address (<c>PyMutex_Lock(m)</c>, compare-exchange, <c>m._bits</c>), whichever thread took it.
/// </param>
/// <param name="ConflictPairs">
/// Distinct pairs of conflicting access sites seen: two accesses to one field by different threads, at least one a write
/// (a store, a read-modify-write, a compare-exchange or a plain write), the earlier being the other thread's last access
/// to the field before the later one. A site is a thread (by name) at a scheduling point.
/// </param>
/// <param name="ConflictPairsBothOrders">Of <paramref name="ConflictPairs"/>, those seen in both orders (each access first in some iteration).</param>
public sealed record ExplorationCoverage(int SchedulingPoints, int ConflictPairs, int ConflictPairsBothOrders)
{
    /// <summary>None: nothing explored.</summary>
    public static ExplorationCoverage None { get; } = new(0, 0, 0);

    /// <summary><c>41 scheduling points, 12 of 30 conflicting pairs in both orders</c>.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"{SchedulingPoints} scheduling points, {ConflictPairsBothOrders} of {ConflictPairs} conflicting access pairs seen in both orders");
}
