using System.Globalization;
using System.Text.Json.Nodes;
using Sim.Runtime.Exploration;

namespace Sim.Cli.Configuration;

/// <summary>What JSON value a field takes in Coyote.config.</summary>
internal enum JsonShape
{
    /// <summary>A JSON number.</summary>
    Number,

    /// <summary>A JSON string.</summary>
    String,

    /// <summary>A JSON number or string (the seed: a number or "random").</summary>
    NumberOrString,

    /// <summary>JSON <c>true</c> or <c>false</c> (a switch; its flag may be given without a value).</summary>
    Boolean,
}

/// <summary>A value of one layer: its text (null for JSON <c>null</c> or the word <c>none</c>) and the folder relative paths start from.</summary>
internal readonly record struct SettingInput(string? Text, string BaseDirectory);

/// <summary>
/// The kind of value a setting takes (a whole number in a range, seconds, the seed, a strategy, a folder): how
/// Coyote.config writes it, how text parses into it, how it is described in errors and help, and how it is shown and
/// recorded. <see cref="SettingTypes"/> makes them.
/// </summary>
/// <typeparam name="T">The parsed value.</typeparam>
internal sealed class SettingType<T>
{
    /// <summary>The JSON value Coyote.config (and a recorded trace) must give.</summary>
    public required JsonShape Shape { get; init; }

    /// <summary>What the value accepts, as the end of a sentence ("a whole number from 1 to 1000000").</summary>
    public required string Expects { get; init; }

    /// <summary>The placeholder of the value in a flag's help (<c>N</c>, <c>SECONDS</c>).</summary>
    public required string HelpName { get; init; }

    /// <summary>Parses a value; throws <see cref="FormatException"/> if it is not acceptable.</summary>
    public required Func<SettingInput, T> Parse { get; init; }

    /// <summary>The value as text (<c>sim config</c>, JUnit properties).</summary>
    public required Func<T, string> Show { get; init; }

    /// <summary>The value as JSON (traces and reports): a number, a string, or null.</summary>
    public required Func<T, JsonNode?> ToJson { get; init; }

    /// <summary>The names accepted, when the value is a choice among names (for "did you mean").</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];
}

/// <summary>The kinds of setting values.</summary>
internal static class SettingTypes
{
    /// <summary>A strategy, by the names the Runtime gives them (<see cref="StrategyNames"/>).</summary>
    public static SettingType<Strategy> Strategy { get; } = new()
    {
        Shape = JsonShape.String,
        Expects = $"one of {string.Join(", ", StrategyNames.All)} (or {string.Join(", ", StrategyNames.Aliases)})",
        HelpName = "NAME",
        Parse = input => StrategyNames.TryParse(input.Text, out var strategy) ? strategy : throw new FormatException(),
        Show = strategy => strategy.Name(),
        ToJson = strategy => JsonValue.Create(strategy.Name()),
        Choices = [.. StrategyNames.All, .. StrategyNames.Aliases],
    };

    /// <summary>A seed: a whole number, or null for "random" (a fresh seed per run).</summary>
    public static SettingType<uint?> Seed { get; } = new()
    {
        Shape = JsonShape.NumberOrString,
        Expects = "a whole number from 0 to 4294967295, or \"random\"",
        HelpName = "N|random",
        Parse = input => input.Text is null || input.Text.Trim().Equals("random", StringComparison.OrdinalIgnoreCase)
            ? null
            : (uint)WholeNumber(input.Text, 0, uint.MaxValue),
        Show = seed => seed is { } s ? Invariant(s) : "random",
        ToJson = seed => seed is { } s ? JsonValue.Create(s) : null,
    };

    /// <summary>On or off: <c>true</c> or <c>false</c> (null: off); its flag alone means on.</summary>
    public static SettingType<bool> Switch { get; } = new()
    {
        Shape = JsonShape.Boolean,
        Expects = "true or false",
        HelpName = "true|false",
        Parse = input => input.Text?.Trim().ToLowerInvariant() switch
        {
            null or "false" => false,
            "true" => true,
            _ => throw new FormatException(),
        },
        Show = on => on ? "true" : "false",
        ToJson = on => JsonValue.Create(on),
    };

    /// <summary>A number from 0 to 1 (a probability).</summary>
    public static SettingType<double> Fraction { get; } = new()
    {
        Shape = JsonShape.Number,
        Expects = "a number from 0 to 1",
        HelpName = "RATE",
        Parse = input => input.Text is not null
            && double.TryParse(input.Text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f is >= 0 and <= 1
                ? f
                : throw new FormatException(),
        Show = f => Invariant(f),
        ToJson = f => JsonValue.Create(f),
    };

    /// <summary>A folder, made absolute against the layer's base folder.</summary>
    public static SettingType<string> Folder { get; } = new()
    {
        Shape = JsonShape.String,
        Expects = "a folder path",
        HelpName = "DIR",
        Parse = input => string.IsNullOrWhiteSpace(input.Text) || input.Text.IndexOfAny(Path.GetInvalidPathChars()) >= 0
            ? throw new FormatException()
            : Path.GetFullPath(input.Text, input.BaseDirectory),
        Show = path => path,
        ToJson = path => JsonValue.Create(path),
    };

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>] (<paramref name="unit"/>: "of nanoseconds").</summary>
    public static SettingType<long> Whole(long min, long max, string? unit = null, string helpName = "N") => new()
    {
        Shape = JsonShape.Number,
        Expects = $"a whole number{(unit is null ? string.Empty : $" {unit}")} from {Invariant(min)} to {Invariant(max)}",
        HelpName = helpName,
        Parse = input => WholeNumber(input.Text, min, max),
        Show = n => Invariant(n),
        ToJson = n => JsonValue.Create(n),
    };

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>], or null, which means <paramref name="none"/>.</summary>
    public static SettingType<long?> WholeOrNone(long min, long max, string none) => new()
    {
        Shape = JsonShape.Number,
        Expects = $"a whole number from {Invariant(min)} to {Invariant(max)}, or null ({none})",
        HelpName = "N",
        Parse = input => input.Text is null ? null : WholeNumber(input.Text, min, max),
        Show = n => n is { } v ? Invariant(v) : "none",
        ToJson = n => n is { } v ? JsonValue.Create(v) : null,
    };

    /// <summary>A number of seconds, at least <paramref name="min"/> (more than 0 when <paramref name="min"/> is 0).</summary>
    public static SettingType<double> Seconds(double min) => new()
    {
        Shape = JsonShape.Number,
        Expects = min == 0 ? "a positive number of seconds" : $"a number of seconds of at least {Invariant(min)}",
        HelpName = "SECONDS",
        Parse = input => ParseSeconds(input.Text, min),
        Show = s => Invariant(s),
        ToJson = s => JsonValue.Create(s),
    };

    /// <summary>A positive number of seconds, or null, which means <paramref name="none"/>.</summary>
    public static SettingType<double?> SecondsOrNone(string none) => new()
    {
        Shape = JsonShape.Number,
        Expects = $"a positive number of seconds, or null ({none})",
        HelpName = "SECONDS",
        Parse = input => input.Text is null ? null : ParseSeconds(input.Text, 0),
        Show = s => s is { } v ? Invariant(v) : "none",
        ToJson = s => s is { } v ? JsonValue.Create(v) : null,
    };

    private static long WholeNumber(string? text, long min, long max) =>
        text is not null && long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new FormatException();

    private static double ParseSeconds(string? text, double min) =>
        text is not null
        && double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s)
        && double.IsFinite(s) && s >= min && (min != 0 || s > 0) && s <= TimeSpan.MaxValue.TotalSeconds / 2
            ? s
            : throw new FormatException();

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
