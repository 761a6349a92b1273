using System.Globalization;

namespace Sim.Cli.Hunting;

/// <summary>How <c>--shard K/N</c> divides a hunt between machines.</summary>
internal enum ShardSplit
{
    /// <summary>Each shard hunts every N-th selected variant from the K-th, with the whole budget (the default).</summary>
    Variants,

    /// <summary>
    /// Each shard hunts every selected variant, with its own slice of the iterations (<see cref="Shard.Slice"/>): one deep
    /// run of a variant spread over machines.
    /// </summary>
    Iterations,
}

/// <summary>Shard <paramref name="K"/> of <paramref name="N"/> (1-based), and how the hunt is split.</summary>
/// <param name="K">This shard, from 1.</param>
/// <param name="N">How many shards.</param>
/// <param name="Split">What is divided: the variants, or each variant's iterations.</param>
internal readonly record struct Shard(int K, int N, ShardSplit Split = ShardSplit.Variants)
{
    /// <summary>The variable a Kubernetes Indexed Job sets to the pod's index (from 0).</summary>
    public const string IndexVariable = "JOB_COMPLETION_INDEX";

    /// <summary>The variable a Kubernetes Indexed Job sets to its number of completions (the shards).</summary>
    public const string CountVariable = "JOB_COMPLETIONS";

    /// <summary>The iterations of a slice start at a multiple of this: Coyote's portfolio takes its 4 strategies in turn, so every slice starts with the same one as the whole run does at that iteration.</summary>
    private const uint SliceAlignment = 4;

    /// <summary>The whole hunt: shard 1 of 1.</summary>
    public static Shard Whole { get; } = new(1, 1);

    /// <summary>True for shard 1 of 1.</summary>
    public bool IsWhole => N == 1;

    /// <summary>
    /// Parses <c>K/N</c>; without it, <see cref="IndexVariable"/> (from 0) and <see cref="CountVariable"/> when both are
    /// set (a Kubernetes Indexed Job's pod); else the whole hunt. Anything invalid is a <see cref="UsageException"/>.
    /// </summary>
    public static Shard Parse(string? text, IReadOnlyDictionary<string, string> environment, ShardSplit split = ShardSplit.Variants)
    {
        if (text is null)
        {
            var index = environment.GetValueOrDefault(IndexVariable);
            var count = environment.GetValueOrDefault(CountVariable);
            if (string.IsNullOrEmpty(index) || string.IsNullOrEmpty(count))
            {
                return Whole with { Split = split };
            }

            return Number(index) is { } i && Number(count) is { } n && n >= 1 && i < n
                ? new Shard(i + 1, n, split)
                : throw new UsageException($"{IndexVariable}={index} and {CountVariable}={count} do not name a shard: the index must be from 0 to the count - 1");
        }

        var parts = text.Split('/');
        return parts.Length == 2 && Number(parts[0]) is { } k && Number(parts[1]) is { } total && total >= 1 && k >= 1 && k <= total
            ? new Shard(k, total, split)
            : throw new UsageException($"--shard \"{text}\" is not valid: give K/N with 1 <= K <= N, for example --shard 2/4");
    }

    /// <summary>This shard's variants: every N-th from the K-th when splitting variants; all of them when splitting iterations.</summary>
    public IReadOnlyList<VariantRef> Select(IEnumerable<VariantRef> variants)
    {
        var (k, n) = (K, N);
        return Split == ShardSplit.Iterations ? [.. variants] : [.. variants.Where((_, i) => i % n == k - 1)];
    }

    /// <summary>
    /// This shard's slice of a variant's <paramref name="iterations"/>: the first iteration (from 0) and how many. The
    /// slices of the N shards are consecutive, do not overlap and cover the budget; each is the same length (a multiple
    /// of 4) but the last. Coyote's engine seeds iteration i of a run with seed + i, so a shard that starts at iteration
    /// <c>first</c> with seed + <c>first</c> draws exactly the random numbers the whole run would draw for those
    /// iterations: no two shards repeat a seed, and with the random and probabilistic strategies each shard runs exactly
    /// the schedules of its iterations of the whole run.
    /// </summary>
    public (uint First, uint Count) Slice(uint iterations)
    {
        if (Split == ShardSplit.Variants || N == 1)
        {
            return (0, iterations);
        }

        var length = SliceLength(iterations, N);
        var first = (ulong)length * (uint)(K - 1);
        return first >= iterations ? (0, 0) : ((uint)first, (uint)Math.Min(length, iterations - first));
    }

    /// <summary>Why <paramref name="iterations"/> cannot be split into this many slices, or null; <paramref name="parts"/> names what runs them.</summary>
    public string? CheckSlices(uint iterations, string parts = "shards") =>
        Split == ShardSplit.Iterations && N > 1 && (ulong)SliceLength(iterations, N) * (uint)(N - 1) >= iterations
            ? $"{iterations} iterations cannot be split into {N} {parts} of at least one iteration each (slices are multiples of {SliceAlignment}): give more iterations or fewer {parts}"
            : null;

    /// <summary><c>K/N</c>.</summary>
    public override string ToString() => $"{K.ToString(CultureInfo.InvariantCulture)}/{N.ToString(CultureInfo.InvariantCulture)}";

    private static uint SliceLength(uint iterations, int n)
    {
        var length = ((ulong)iterations + (uint)n - 1) / (uint)n;
        return (uint)Math.Min(uint.MaxValue, (length + SliceAlignment - 1) / SliceAlignment * SliceAlignment);
    }

    private static int? Number(string text) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
}
