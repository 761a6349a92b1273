using Sim.Runtime.Races;

namespace Sim.Cli.Timeline;

/// <summary>
/// The fields an exploration touched that the Model or the scenario declares deliberately racy (the race detector does
/// not check them), grouped by reason: printed by <c>explore</c>, <c>replay</c> and <c>hunt</c> so that what is not
/// checked is always in view.
/// </summary>
internal static class RacyFieldList
{
    /// <summary>One line per reason: <c>W1.ident, W2.ident: why</c>; none when no racy field was touched.</summary>
    public static IReadOnlyList<string> Lines(IEnumerable<RacyField> fields) =>
    [
        .. fields
            .GroupBy(f => f.Reason, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{string.Join(", ", g.Select(f => f.Field).Distinct().Order(StringComparer.Ordinal))}: {g.Key}"),
    ];

    /// <summary>Writes the heading and the lines, if there are any.</summary>
    public static void Write(TextWriter output, IEnumerable<RacyField> fields)
    {
        var lines = Lines(fields);
        if (lines.Count == 0)
        {
            return;
        }

        output.WriteLine("Deliberately racy fields (declared by the Model or scenario, not checked by the race detector):");
        foreach (var line in lines)
        {
            output.WriteLine($"  {line}");
        }
    }
}
