using System.Diagnostics;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Bench.Stress;

/// <summary>
/// The overlap probe: the main body starts two threads, each of which notes the time, performs <c>operations</c>
/// atomic increments of one shared counter through the Runtime's cell, and notes the time again; the main thread joins
/// both. A run's bodies overlap if each started before the other ended; the start lag is the distance between the two
/// start times. The probe is the measure of what a stress run can find: a race between two threads needs their bodies to
/// overlap.
/// </summary>
internal sealed class OverlapProbe(int operations)
{
    private readonly List<(long StartA, long EndA, long StartB, long EndB)> _samples = [];
    private readonly Lock _lock = new();

    /// <summary>Atomic increments per thread body.</summary>
    public int Operations { get; } = operations;

    /// <summary>The probe's program, for <see cref="Sim.Runtime.Stress.StressRunner"/>.</summary>
    public void Program(SimRuntime rt)
    {
        var counter = new AtomicInt(rt, "counter");
        long startA = 0, endA = 0, startB = 0, endB = 0;
        var a = rt.StartThread("a", () =>
        {
            startA = Stopwatch.GetTimestamp();
            Work(counter);
            endA = Stopwatch.GetTimestamp();
        });
        var b = rt.StartThread("b", () =>
        {
            startB = Stopwatch.GetTimestamp();
            Work(counter);
            endB = Stopwatch.GetTimestamp();
        });
        a.Join();
        b.Join();
        rt.Check(counter.Peek() == 2 * Operations, "lost increment");
        lock (_lock)
        {
            _samples.Add((startA, endA, startB, endB));
        }
    }

    /// <summary>What the runs so far showed.</summary>
    public OverlapStats Stats()
    {
        lock (_lock)
        {
            if (_samples.Count == 0)
            {
                throw new HarnessException("the overlap probe completed no run");
            }

            var overlapping = _samples.Count(s => s.StartA < s.EndB && s.StartB < s.EndA);
            var lags = _samples.Select(s => Math.Abs(s.StartA - s.StartB) * 1e9 / Stopwatch.Frequency).Order().ToList();
            var bodies = _samples.SelectMany(s => new[] { s.EndA - s.StartA, s.EndB - s.StartB }).Select(t => t * 1e9 / Stopwatch.Frequency).Order().ToList();
            return new OverlapStats(_samples.Count, (double)overlapping / _samples.Count, Percentile(lags, 0.5), Percentile(lags, 0.9), Percentile(bodies, 0.5));
        }
    }

    private void Work(AtomicInt counter)
    {
        for (var i = 0; i < Operations; i++)
        {
            counter.FetchAdd(1);
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
}

/// <summary>What the overlap probe measured in one setting.</summary>
/// <param name="Runs">Runs measured.</param>
/// <param name="OverlapFraction">The fraction of runs whose two thread bodies overlapped in time.</param>
/// <param name="MedianLagNanos">The median distance between the two bodies' start times.</param>
/// <param name="P90LagNanos">Its 90th percentile.</param>
/// <param name="MedianBodyNanos">The median duration of one body.</param>
internal sealed record OverlapStats(int Runs, double OverlapFraction, double MedianLagNanos, double P90LagNanos, double MedianBodyNanos);
