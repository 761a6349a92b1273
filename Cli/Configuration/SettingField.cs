using System.Text;

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
}

/// <summary>A value of one layer: its text (null for JSON <c>null</c> or the word <c>none</c>) and the folder relative paths start from.</summary>
internal readonly record struct SettingInput(string? Text, string BaseDirectory);

/// <summary>
/// One setting: its key in Coyote.config (<c>iterations</c>, <c>stress.runs</c>), its environment variable (derived:
/// <c>SIM_</c> and the key in upper snake case), what it accepts, and how it applies to <see cref="SimSettings"/>.
/// </summary>
internal sealed class SettingField
{
    private readonly Func<SimSettings, SettingInput, SimSettings> _apply;
    private readonly Func<SimSettings, string> _show;

    public SettingField(string key, JsonShape shape, string expects, string description, Func<SimSettings, string> show, Func<SimSettings, SettingInput, SimSettings> apply)
    {
        Key = key;
        Shape = shape;
        Expects = expects;
        Description = description;
        _show = show;
        _apply = apply;
        EnvironmentVariable = "SIM_" + UpperSnake(key);
    }

    /// <summary>The key in Coyote.config; a dot separates a nested object (<c>stress.runs</c>).</summary>
    public string Key { get; }

    /// <summary>The environment variable that overrides the file.</summary>
    public string EnvironmentVariable { get; }

    /// <summary>The JSON value the file must give.</summary>
    public JsonShape Shape { get; }

    /// <summary>What the field accepts, as the end of a sentence ("a whole number of at least 1").</summary>
    public string Expects { get; }

    /// <summary>What the field does.</summary>
    public string Description { get; }

    /// <summary>The names accepted, when the field is a choice among names (for "did you mean").</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>Applies a value; throws <see cref="FormatException"/> if the value is not acceptable.</summary>
    public SimSettings Apply(SimSettings settings, SettingInput input) => _apply(settings, input);

    /// <summary>The field's value in <paramref name="settings"/>, as text.</summary>
    public string Show(SimSettings settings) => _show(settings);

    private static string UpperSnake(string key)
    {
        var sb = new StringBuilder();
        foreach (var c in key)
        {
            if (c == '.')
            {
                sb.Append('_');
            }
            else if (char.IsUpper(c))
            {
                sb.Append('_').Append(c);
            }
            else
            {
                sb.Append(char.ToUpperInvariant(c));
            }
        }

        return sb.ToString();
    }
}
