using System.Globalization;
using Sim.Runtime.Exploration;

namespace Sim.Cli.Hunting;

/// <summary>What a hunt runs: the variants, the options every one is explored with (the seed fixed), where traces and reports go.</summary>
/// <param name="Variants">The variants, in catalog order (this shard's, when sharded).</param>
/// <param name="Options">The exploration options, with the seed actually used.</param>
/// <param name="OutputDirectory">The folder of <c>traces/</c> and the reports.</param>
/// <param name="Shard">The shard run.</param>
/// <param name="ConfigFile">The config file the settings came from, if any (recorded in the report).</param>
internal sealed record HuntPlan(IReadOnlyList<VariantRef> Variants, ExplorationOptions Options, string OutputDirectory, Shard Shard, string? ConfigFile);

/// <summary>Shard <paramref name="K"/> of <paramref name="N"/> (1-based): every N-th variant from the K-th.</summary>
/// <param name="K">This shard, from 1.</param>
/// <param name="N">How many shards.</param>
internal readonly record struct Shard(int K, int N)
{
    /// <summary>The whole hunt: shard 1 of 1.</summary>
    public static Shard Whole { get; } = new(1, 1);

    /// <summary>Parses <c>K/N</c> (null: the whole hunt); anything else is a <see cref="UsageException"/>.</summary>
    public static Shard Parse(string? text)
    {
        if (text is null)
        {
            return Whole;
        }

        var parts = text.Split('/');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n >= 1 && k >= 1 && k <= n
                ? new Shard(k, n)
                : throw new UsageException($"--shard \"{text}\" is not valid: give K/N with 1 <= K <= N, for example --shard 2/4");
    }

    /// <summary>This shard's part of <paramref name="variants"/>.</summary>
    public IReadOnlyList<VariantRef> Select(IEnumerable<VariantRef> variants)
    {
        var (k, n) = (K, N);
        return [.. variants.Where((_, i) => i % n == k - 1)];
    }

    /// <summary><c>K/N</c>.</summary>
    public override string ToString() => $"{K.ToString(CultureInfo.InvariantCulture)}/{N.ToString(CultureInfo.InvariantCulture)}";
}
