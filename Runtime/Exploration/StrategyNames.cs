namespace Sim.Runtime.Exploration;

/// <summary>Names of strategies as the CLI and the configuration file spell them, read from <see cref="StrategyRow.Table"/>.</summary>
public static class StrategyNames
{
    /// <summary>Every strategy's name, in table order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. StrategyRow.Table.Select(r => r.Name)];

    /// <summary>Every alias, in table order (<c>pct</c>).</summary>
    public static IReadOnlyList<string> Aliases { get; } = [.. StrategyRow.Table.SelectMany(r => r.Aliases)];

    /// <summary>The kebab-case name of a strategy.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value names no strategy.</exception>
    public static string Name(this Strategy strategy) => StrategyRow.Of(strategy).Name;

    /// <summary>Parses a strategy's name or alias, ignoring case and surrounding spaces.</summary>
    public static bool TryParse(string? text, out Strategy strategy)
    {
        var key = text?.Trim();
        foreach (var row in StrategyRow.Table)
        {
            if (string.Equals(row.Name, key, StringComparison.OrdinalIgnoreCase)
                || row.Aliases.Any(a => string.Equals(a, key, StringComparison.OrdinalIgnoreCase)))
            {
                strategy = row.Strategy;
                return true;
            }
        }

        strategy = default;
        return false;
    }
}
