using Sim.Runtime.Cells;
using Sim.Runtime.Races;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Coverage;

/// <summary>
/// Counts an exploration's coverage (<see cref="ExplorationCoverage"/>) as its iterations run: the controlled platform
/// tells it every scheduling point and every shared access. It lives for the whole exploration (its counts are the
/// report's); what it keeps per iteration hangs on the iteration's cells (<see cref="CellShadow.LastSites"/>).
/// </summary>
internal sealed class CoverageRecorder
{
    private readonly Dictionary<(string? Operation, AccessKind Kind, string Target), int> _points = [];
    private readonly Dictionary<(string Thread, int Point), int> _sites = [];
    private readonly HashSet<long> _orderedPairs = [];

    /// <summary>A scheduling point was taken at <paramref name="step"/>; returns the point's id.</summary>
    public int Point(StepRecord step)
    {
        var key = (step.Operation, step.Kind, step.Target);
        if (!_points.TryGetValue(key, out var id))
        {
            _points[key] = id = _points.Count + 1;
        }

        return id;
    }

    /// <summary>
    /// A shared access at <paramref name="step"/> (a scheduling point too): pairs it with each other thread's last access
    /// to the same cell when either writes.
    /// </summary>
    public void Access(SharedCell cell, StepRecord step, bool write)
    {
        var point = Point(step);
        var siteKey = (step.Thread.Name, point);
        if (!_sites.TryGetValue(siteKey, out var site))
        {
            _sites[siteKey] = site = _sites.Count + 1;
        }

        var shadow = cell.Shadow ??= new CellShadow();
        var last = shadow.LastSites;
        var me = step.Thread.Id;
        if (last is null || last.Length <= me)
        {
            Array.Resize(ref last, Math.Max(me + 1, 4));
            shadow.LastSites = last;
        }

        for (var t = 0; t < last.Length; t++)
        {
            var (other, wrote) = last[t];
            if (t != me && other != 0 && (write || wrote))
            {
                _orderedPairs.Add(((long)other << 32) | (uint)site);
            }
        }

        last[me] = (site, write);
    }

    /// <summary>The coverage so far.</summary>
    public ExplorationCoverage Summary()
    {
        var pairs = 0;
        var both = 0;
        foreach (var p in _orderedPairs)
        {
            var (earlier, later) = ((int)(p >> 32), (int)(uint)p);
            var reverse = ((long)later << 32) | (uint)earlier;
            if (!_orderedPairs.Contains(reverse))
            {
                pairs++;
            }
            else if (earlier < later)
            {
                pairs++;
                both++;
            }
        }

        return new ExplorationCoverage(_points.Count, pairs, both);
    }
}
