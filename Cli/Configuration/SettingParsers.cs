using System.Globalization;
using Sim.Runtime.Exploration;

namespace Sim.Cli.Configuration;

/// <summary>Parses setting values; every failure is a <see cref="FormatException"/> that the resolver turns into one line.</summary>
internal static class SettingParsers
{
    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static long WholeNumber(string? text, long min, long max)
    {
        if (text is null || !long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            throw new FormatException();
        }

        return n;
    }

    /// <summary>A number of seconds, at least <paramref name="min"/> (exclusive when <paramref name="min"/> is 0).</summary>
    public static double Seconds(string? text, double min)
    {
        if (text is null
            || !double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s)
            || !double.IsFinite(s) || s < min || (min == 0 && s <= 0) || s > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw new FormatException();
        }

        return s;
    }

    /// <summary>A number from 0 to 1.</summary>
    public static double Fraction(string? text) =>
        text is not null && double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f is >= 0 and <= 1
            ? f
            : throw new FormatException();

    /// <summary>A strategy name (<see cref="StrategyNames"/>).</summary>
    public static Strategy Strategy(string? text) =>
        StrategyNames.TryParse(text, out var strategy) ? strategy : throw new FormatException();

    /// <summary>A seed: a whole number, or null for "random".</summary>
    public static uint? Seed(string? text) =>
        text is null || text.Trim().Equals("random", StringComparison.OrdinalIgnoreCase)
            ? null
            : (uint)WholeNumber(text, 0, uint.MaxValue);

    /// <summary>A folder, made absolute against the layer's base folder.</summary>
    public static string Directory(SettingInput input) =>
        string.IsNullOrWhiteSpace(input.Text) || input.Text.IndexOfAny(Path.GetInvalidPathChars()) >= 0
            ? throw new FormatException()
            : Path.GetFullPath(input.Text, input.BaseDirectory);
}
