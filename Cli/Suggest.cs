namespace Sim.Cli;

/// <summary>Suggests the known names closest to a mistyped one (edit distance), for "did you mean" hints.</summary>
internal static class Suggest
{
    /// <summary>Up to <paramref name="max"/> candidates close to <paramref name="input"/>, closest first.</summary>
    public static IReadOnlyList<string> Closest(string input, IEnumerable<string> candidates, int max = 3)
    {
        var key = input.ToLowerInvariant();
        return
        [
            .. candidates
                .Select(c => (Name: c, Distance: Distance(key, c.ToLowerInvariant())))
                .Where(c => c.Distance <= Math.Max(2, c.Name.Length / 3) || c.Name.Contains(key, StringComparison.OrdinalIgnoreCase))
                .OrderBy(c => c.Distance)
                .ThenBy(c => c.Name, StringComparer.Ordinal)
                .Take(max)
                .Select(c => c.Name),
        ];
    }

    /// <summary>" (did you mean a or b?)", or an empty string when nothing is close.</summary>
    public static string DidYouMean(string input, IEnumerable<string> candidates)
    {
        var close = Closest(input, candidates);
        return close.Count == 0 ? string.Empty : $" (did you mean {string.Join(" or ", close.Select(c => $"'{c}'"))}?)";
    }

    /// <summary>The Levenshtein distance between two strings.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
