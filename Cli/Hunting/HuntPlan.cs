using Sim.Runtime.Exploration;

namespace Sim.Cli.Hunting;

/// <summary>What a hunt runs: the variants, the options every one is explored with (the seed fixed), where traces and reports go.</summary>
/// <param name="Variants">The variants, in catalog order (this shard's, when sharded).</param>
/// <param name="Options">The exploration options, with the seed actually used.</param>
/// <param name="OutputDirectory">The folder of <c>traces/</c> and the reports.</param>
/// <param name="Shard">The shard run.</param>
/// <param name="ConfigFile">The config file the settings came from, if any (recorded in the report).</param>
internal sealed record HuntPlan(IReadOnlyList<VariantRef> Variants, ExplorationOptions Options, string OutputDirectory, Shard Shard, string? ConfigFile)
{
    /// <summary>The <c>--scenario</c> patterns that selected the variants (recorded, so that <c>sim merge</c> can check that shards hunted the same selection).</summary>
    public IReadOnlyList<string> Selection { get; init; } = [];

    /// <summary>
    /// The full paths of the outside assemblies the scenarios were loaded from (<see cref="Catalog.Assemblies"/>; empty:
    /// the built-in corpus): the worker processes load them too, and the report names them.
    /// </summary>
    public IReadOnlyList<string> Assemblies { get; init; } = [];

    /// <summary>How many worker processes explore variants side by side (1: this process explores them one after another).</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>Wall time after which the hunt stops (the variants in progress stop too) and reports what finished; null: none.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>
    /// True if each variant's iterations are spread over the <see cref="Jobs"/> workers (<c>--jobs N --split iterations</c>
    /// without <c>--shard</c>): the variant runs as the N slices that <c>--shard k/N --split iterations</c> would run,
    /// side by side, and the slices are joined into its one entry (<see cref="SliceJoin"/>).
    /// </summary>
    public bool SplitsIterations => Jobs > 1 && Shard is { IsWhole: true, Split: ShardSplit.Iterations };

    /// <summary>Variant <paramref name="index"/>'s work: the variant and the options of this shard's slice of its iterations.</summary>
    public HuntTask Task(int index) => SliceOf(index, Shard);

    /// <summary>
    /// Variant <paramref name="index"/>'s work as the workers run it: its <see cref="Jobs"/> slices in iteration order when
    /// <see cref="SplitsIterations"/> (each that of shard k of <see cref="Jobs"/>), else the one <see cref="Task(int)"/>.
    /// </summary>
    public IReadOnlyList<HuntTask> Slices(int index) =>
        SplitsIterations ? [.. Enumerable.Range(1, Jobs).Select(k => SliceOf(index, new Shard(k, Jobs, ShardSplit.Iterations)))] : [Task(index)];

    private HuntTask SliceOf(int index, Shard shard)
    {
        var (first, count) = shard.Slice(Options.Iterations);
        var options = first == 0 && count == Options.Iterations ? Options : Options with { Seed = unchecked(Options.Seed + first), Iterations = count };
        if (shard.Split == ShardSplit.Iterations && shard.K < shard.N)
        {
            // The preemption-bounded search after a clean run is the same in every slice: only the last slice's shard
            // runs it, where a single process would (after the last iteration).
            options = options with { BoundedSchedules = 0 };
        }

        return new HuntTask(index, Variants[index], options, first + 1);
    }
}

/// <summary>One variant's work in a hunt.</summary>
/// <param name="Index">Its place in the plan, from 0.</param>
/// <param name="Variant">The variant.</param>
/// <param name="Options">The options it is explored with: the plan's, or those of this shard's slice (its seed and iterations).</param>
/// <param name="FirstIteration">The number, in the whole run, of the slice's first iteration (1 unless the iterations are split).</param>
internal sealed record HuntTask(int Index, VariantRef Variant, ExplorationOptions Options, uint FirstIteration);
