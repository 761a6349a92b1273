using System.Text.Json;
using System.Text.Json.Nodes;
using Sim.Runtime.Exploration;

namespace Sim.Cli.Configuration;

/// <summary>
/// The exploration settings as traces and hunt reports record them: a JSON object with one field per recorded setting
/// (<see cref="SettingFields.Recorded"/>), named and valued as in Coyote.config, the seed being the one used.
/// </summary>
internal static class RecordedSettings
{
    /// <summary>The record of <paramref name="options"/>.</summary>
    public static JsonObject Of(ExplorationOptions options)
    {
        var settings = SimSettings.BuiltIn with { Exploration = options };
        var record = new JsonObject();
        foreach (var field in SettingFields.Recorded)
        {
            record[field.Key] = field.Record(settings);
        }

        return record;
    }

    /// <summary>
    /// The options a record gives, checked as Coyote.config's values are. A field the record lacks keeps its built-in
    /// default (what a run recorded before the setting existed ran with); an unknown or invalid field is a
    /// <see cref="FormatException"/> saying which.
    /// </summary>
    public static ExplorationOptions Read(JsonObject record)
    {
        var settings = SimSettings.BuiltIn;
        foreach (var (key, value) in record)
        {
            var field = SettingFields.Find(key) is { IsRecorded: true } f ? f : throw new FormatException($"unknown setting \"{key}\"");
            var kind = value?.GetValueKind() ?? JsonValueKind.Null;
            var text = kind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => value!.GetValue<string>(),
                _ => value!.ToJsonString(),
            };
            try
            {
                settings = field.Fits(kind) ? field.Apply(settings, new SettingInput(text, string.Empty)) : throw new FormatException();
            }
            catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
            {
                throw new FormatException($"\"{key}\" is {value?.ToJsonString() ?? "null"}, but it must be {field.Expects}");
            }
        }

        return settings.Exploration;
    }
}
