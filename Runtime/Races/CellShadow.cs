namespace Sim.Runtime.Races;

/// <summary>
/// What the iteration's analyses keep about one cell, hung on the cell itself (cells live as long as their iteration,
/// so nothing outlives it): for an atomic, the clock its last release published; for a plain field, its last write and
/// the reads since; for coverage, each thread's last access site.
/// </summary>
internal sealed class CellShadow
{
    /// <summary>The clock an acquire of this atomic location gets (its release sequence's); null until a release.</summary>
    public VectorClock? Released { get; set; }

    /// <summary>The plain field's last write, if any.</summary>
    public PlainAccess? LastWrite { get; set; }

    /// <summary>The plain field's reads since its last write, one per thread (its latest).</summary>
    public List<PlainAccess>? Reads { get; set; }

    /// <summary>Coverage: each thread's last access to the cell (by thread id): its site and whether it wrote.</summary>
    public (int Site, bool Write)[]? LastSites { get; set; }
}

/// <summary>A plain access as the race detector remembers it: the thread, its epoch then, and the trace step.</summary>
internal readonly record struct PlainAccess(int Thread, int Epoch, Trace.StepRecord Step);
