using Sim.Cli.Reports;
using Sim.Runtime.Exploration;

namespace Sim.Cli.Hunting;

/// <summary>
/// Turns the slices of <c>hunt --jobs N --split iterations</c> (<see cref="HuntPlan.Slices"/>) back into one variant each
/// for the hunt loop: the variant starts when its first slice starts, its progress is the iterations its slices have
/// started, and it finishes once it is <em>settled</em>, with the entry <see cref="HuntMerge.Join"/> makes of its slices,
/// the entry <c>sim merge</c> makes of the same slices run as shards (but its time: the variant's wall time here, the
/// slices' times added there). A variant is settled when every slice before the first that found a bug, and that slice,
/// have finished (or every slice, clean): the join uses only those, and none of them is ever stopped for the others, so
/// the entry is the same whatever order the workers finish in. The slices after it are moot (<see cref="IsSettled"/>):
/// the workers stop them or do not start them, and a trace one of them saved is deleted, so that the output folder holds
/// the traces the report names. An error of the tool in any slice is the variant's entry at once (it stops the hunt).
/// </summary>
internal sealed class SliceJoin
{
    private readonly HuntPlan _plan;
    private readonly HuntEvents _variants;
    private readonly Lock _gate = new();
    private readonly VariantSlices[] _slices;

    /// <summary>Joins the slices of <paramref name="plan"/>'s variants, telling <paramref name="variants"/> of whole variants.</summary>
    public SliceJoin(HuntPlan plan, HuntEvents variants)
    {
        _plan = plan;
        _variants = variants;
        _slices = [.. Enumerable.Range(0, plan.Variants.Count).Select(i => new VariantSlices(plan.Slices(i)))];
        Events = new HuntEvents(Starting, Iteration, Finished);
    }

    /// <summary>Every slice of every variant, in plan order and iteration order.</summary>
    public IReadOnlyList<HuntTask> Tasks => [.. _slices.SelectMany(s => s.Tasks)];

    /// <summary>What the workers report of slices.</summary>
    public HuntEvents Events { get; }

    /// <summary>True if <paramref name="slice"/>'s variant has its entry already: the slice need not run on.</summary>
    public bool IsSettled(HuntTask slice)
    {
        lock (_gate)
        {
            return _slices[slice.Index].Settled;
        }
    }

    private void Starting(HuntTask slice)
    {
        lock (_gate)
        {
            var variant = _slices[slice.Index];
            if (!variant.Started)
            {
                variant.Started = true;
                variant.Clock.Start();
                _variants.Starting(_plan.Task(slice.Index));
            }
        }
    }

    private void Iteration(HuntTask slice, int iteration)
    {
        lock (_gate)
        {
            var variant = _slices[slice.Index];
            variant.Progress[variant.Position(slice)] = iteration;
            _variants.Iteration(_plan.Task(slice.Index), variant.Progress.Sum());
        }
    }

    private void Finished(HuntTask slice, HuntEntry entry)
    {
        lock (_gate)
        {
            var variant = _slices[slice.Index];
            if (entry.Outcome == Outcome.ToolError)
            {
                variant.Settled = true;
                _variants.Finished(_plan.Task(slice.Index), entry);
                return;
            }

            if (variant.Settled)
            {
                Discard(entry);
                return;
            }

            variant.Entries[variant.Position(slice)] = entry;
            var end = Array.FindIndex(variant.Entries, e => e is null || e.Outcome != Outcome.Clean);
            if (end >= 0 && variant.Entries[end] is null)
            {
                return;
            }

            var used = end < 0 ? variant.Entries.Length : end + 1;
            variant.Settled = true;
            foreach (var moot in variant.Entries.Skip(used).OfType<HuntEntry>())
            {
                Discard(moot);
            }

            var joined = HuntMerge.Join(slice.Variant, [.. variant.Entries.Take(used).OfType<HuntEntry>()], _plan.Options.Iterations);
            _variants.Finished(_plan.Task(slice.Index), joined with { ElapsedSeconds = variant.Clock.Elapsed.TotalSeconds });
        }
    }

    /// <summary>Deletes the trace a moot slice saved: the report does not name it. A trace that cannot be deleted stays (harmless).</summary>
    private void Discard(HuntEntry moot)
    {
        if (moot.Trace is not { } trace)
        {
            return;
        }

        try
        {
            File.Delete(Path.Combine(_plan.OutputDirectory, trace));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>One variant's slices and what is known of them.</summary>
    private sealed class VariantSlices(IReadOnlyList<HuntTask> tasks)
    {
        public IReadOnlyList<HuntTask> Tasks { get; } = tasks;

        public HuntEntry?[] Entries { get; } = new HuntEntry?[tasks.Count];

        public int[] Progress { get; } = new int[tasks.Count];

        public bool Started { get; set; }

        /// <summary>The variant's wall time, from its first slice's start: its entry's time (the join's is the slices' times added).</summary>
        public System.Diagnostics.Stopwatch Clock { get; } = new();

        public bool Settled { get; set; }

        public int Position(HuntTask slice)
        {
            for (var k = 0; k < Tasks.Count; k++)
            {
                if (Tasks[k].FirstIteration == slice.FirstIteration)
                {
                    return k;
                }
            }

            throw new ArgumentException($"not a slice of {slice.Variant.Name}", nameof(slice));
        }
    }
}
