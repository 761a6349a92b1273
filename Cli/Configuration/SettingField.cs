using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sim.Cli.Configuration;

/// <summary>Which commands a setting is for, and whether traces and reports record it.</summary>
internal enum SettingScope
{
    /// <summary>How a variant is explored (<c>explore</c>, <c>hunt</c>, <c>compare</c>); traces and reports record it and a replay runs with it.</summary>
    Exploration,

    /// <summary>Where the exploration commands write (traces, reports); not recorded.</summary>
    Output,

    /// <summary>How <c>sim stress</c> runs; its flags belong to <c>stress</c> (and, prefixed <c>--stress-</c>, to <c>config</c>).</summary>
    Stress,
}

/// <summary>
/// One setting, one row: its key in Coyote.config (<c>iterations</c>, <c>stress.runs</c>), its environment variable
/// (derived: <c>SIM_</c> and the key in upper snake case), its flag, the kind of value it takes, and where it lives in
/// <see cref="SimSettings"/>. The config file, the environment, the flags, <c>sim config</c>, traces and reports all
/// read the rows of <see cref="SettingFields"/>; adding a setting is adding a row.
/// </summary>
internal sealed class SettingField
{
    private readonly Func<SimSettings, SettingInput, SimSettings> _apply;
    private readonly Func<SimSettings, string> _show;
    private readonly Func<SimSettings, JsonNode?> _record;

    private SettingField(string key, SettingScope scope, string flag, string? flagClears, JsonShape shape, string expects, string helpName, IReadOnlyList<string> choices,
        string description, Func<SimSettings, SettingInput, SimSettings> apply, Func<SimSettings, string> show, Func<SimSettings, JsonNode?> record)
    {
        Key = key;
        FlagClears = flagClears;
        Scope = scope;
        Flag = flag;
        Shape = shape;
        Expects = expects;
        HelpName = helpName;
        Choices = choices;
        Description = description;
        EnvironmentVariable = "SIM_" + UpperSnake(key);
        _apply = apply;
        _show = show;
        _record = record;
    }

    /// <summary>The key in Coyote.config; a dot separates a nested object (<c>stress.runs</c>).</summary>
    public string Key { get; }

    /// <summary>Which commands it is for, and whether it is recorded.</summary>
    public SettingScope Scope { get; }

    /// <summary>The flag of the commands it is for (<c>--iterations</c>).</summary>
    public string Flag { get; }

    /// <summary>The flag in <c>sim config</c>, which shows every setting: stress flags get a <c>--stress-</c> prefix there.</summary>
    public string ConfigFlag => Scope == SettingScope.Stress ? $"--stress-{Flag[2..]}" : Flag;

    /// <summary>The key of a setting that giving this one's flag sets to none (<c>--runs</c> replaces the <c>stress.seconds</c> limit too).</summary>
    public string? FlagClears { get; }

    /// <summary>The environment variable that overrides the file.</summary>
    public string EnvironmentVariable { get; }

    /// <summary>The JSON value the file must give.</summary>
    public JsonShape Shape { get; }

    /// <summary>What the field accepts, as the end of a sentence ("a whole number of at least 1").</summary>
    public string Expects { get; }

    /// <summary>The placeholder of the value in the flag's help.</summary>
    public string HelpName { get; }

    /// <summary>The names accepted, when the field is a choice among names (for "did you mean").</summary>
    public IReadOnlyList<string> Choices { get; }

    /// <summary>What the field does.</summary>
    public string Description { get; }

    /// <summary>True if traces and reports record it (<see cref="RecordedSettings"/>).</summary>
    public bool IsRecorded => Scope == SettingScope.Exploration;

    /// <summary>A row for a value of type <typeparamref name="T"/> held in <see cref="SimSettings"/>.</summary>
    public static SettingField Create<T>(string key, SettingScope scope, string flag, SettingType<T> type, string description,
        Func<SimSettings, T> get, Func<SimSettings, T, SimSettings> set, string? flagClears = null) =>
        new(key, scope, flag, flagClears, type.Shape, type.Expects, type.HelpName, type.Choices, description,
            (s, input) => set(s, type.Parse(input)),
            s => type.Show(get(s)),
            s => type.ToJson(get(s)));

    /// <summary>Applies a value; throws <see cref="FormatException"/> if the value is not acceptable.</summary>
    public SimSettings Apply(SimSettings settings, SettingInput input) => _apply(settings, input);

    /// <summary>The field's value in <paramref name="settings"/>, as text.</summary>
    public string Show(SimSettings settings) => _show(settings);

    /// <summary>The field's value in <paramref name="settings"/>, as JSON.</summary>
    public JsonNode? Record(SimSettings settings) => _record(settings);

    /// <summary>True if a JSON value of <paramref name="kind"/> has the shape the field takes (null always does: it means none).</summary>
    public bool Fits(JsonValueKind kind) => kind == JsonValueKind.Null || Shape switch
    {
        JsonShape.Number => kind == JsonValueKind.Number,
        JsonShape.String => kind == JsonValueKind.String,
        JsonShape.Boolean => kind is JsonValueKind.True or JsonValueKind.False,
        _ => kind is JsonValueKind.Number or JsonValueKind.String,
    };

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
