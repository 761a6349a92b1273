using Sim.Runtime.Exploration;

namespace Sim.Cli.Configuration;

/// <summary>
/// Resolves the settings: built-in defaults, then Coyote.config, then <c>SIM_*</c> environment variables, then flags,
/// each layer overriding the one before. Every value of every layer is checked, even one a later layer overrides: a
/// broken file is an error wherever it is used. Any problem is a <see cref="UsageException"/> of one line.
/// </summary>
internal static class SettingsResolver
{
    /// <summary>The variable that points at a config file (below <c>--config</c>, above the search from the current folder).</summary>
    public const string ConfigVariable = "SIM_CONFIG";

    /// <summary>Resolves the settings of one command invocation.</summary>
    /// <param name="context">The environment and current folder.</param>
    /// <param name="configFlag">The value of <c>--config</c>, if given.</param>
    /// <param name="flags">The setting flags given.</param>
    public static ResolvedSettings Resolve(CliContext context, string? configFlag, IEnumerable<FlagValue> flags)
    {
        var file = LoadFile(context, configFlag);
        var settings = SimSettings.BuiltIn with { OutputDirectory = context.FullPath(SimSettings.BuiltIn.OutputDirectory) };
        var origins = SettingFields.All.ToDictionary(f => f.Key, _ => new SettingOrigin(SettingSource.BuiltIn, "built-in"));

        foreach (var entry in file?.Entries ?? [])
        {
            var field = SettingFields.Get(entry.Key);
            settings = Apply(field, settings, new SettingInput(entry.Text, file!.Directory), () =>
                $"{file.DisplayName} line {entry.Line}: \"{entry.Key}\" is {entry.Literal}, but it must be {field.Expects}{Hint(field, entry.Text)}; " +
                $"fix the file (or override it with {field.EnvironmentVariable} or a flag)");
            origins[field.Key] = new SettingOrigin(SettingSource.File, $"{file.DisplayName}:{entry.Line}");
        }

        foreach (var field in SettingFields.All)
        {
            if (context.Environment.TryGetValue(field.EnvironmentVariable, out var text) && !string.IsNullOrWhiteSpace(text))
            {
                var value = IsNone(text) ? null : text;
                settings = Apply(field, settings, new SettingInput(value, context.WorkingDirectory), () =>
                    $"{field.EnvironmentVariable}=\"{text}\" is not valid: it must be {field.Expects}{Hint(field, text)}; fix or unset the variable");
                origins[field.Key] = new SettingOrigin(SettingSource.Environment, field.EnvironmentVariable);
            }
        }

        foreach (var flag in flags)
        {
            var field = SettingFields.Get(flag.Key);
            var value = IsNone(flag.Text) ? null : flag.Text;
            settings = Apply(field, settings, new SettingInput(value, context.WorkingDirectory), () =>
                $"{flag.Flag} \"{flag.Text}\" is not valid: it must be {field.Expects}{Hint(field, flag.Text)}");
            origins[field.Key] = new SettingOrigin(SettingSource.Flag, flag.Flag);
        }

        if (settings.Exploration.Validate() is { } problem)
        {
            throw new UsageException($"the settings do not fit together: {problem}; change them in Coyote.config, SIM_* variables or flags");
        }

        return new ResolvedSettings(settings, origins, file);
    }

    /// <summary>
    /// The <c>SIM_*</c> variables that are not settings (probably misspelt), with a suggestion each. The Runtime's own
    /// switch <see cref="ExplorationOptions.ThreadReuseVariable"/> is known, though not a setting (traces do not record it).
    /// </summary>
    public static IEnumerable<string> UnknownVariables(CliContext context)
    {
        var known = SettingFields.All.Select(f => f.EnvironmentVariable).Append(ConfigVariable).Append(ExplorationOptions.ThreadReuseVariable).ToHashSet(StringComparer.Ordinal);
        return context.Environment.Keys
            .Where(k => k.StartsWith("SIM_", StringComparison.Ordinal) && !known.Contains(k))
            .Order(StringComparer.Ordinal)
            .Select(k => $"{k} is not a setting and is ignored{Suggest.DidYouMean(k, known)}");
    }

    private static ConfigFile? LoadFile(CliContext context, string? configFlag)
    {
        if (configFlag is not null)
        {
            return Load(context, configFlag, $"--config {configFlag}");
        }

        if (context.Environment.TryGetValue(ConfigVariable, out var variable) && !string.IsNullOrWhiteSpace(variable))
        {
            return Load(context, variable, $"{ConfigVariable}={variable}");
        }

        return ConfigFile.Locate(context.WorkingDirectory) is { } found ? ConfigFile.Load(found, context.Show(found)) : null;
    }

    private static ConfigFile Load(CliContext context, string path, string source)
    {
        var full = context.FullPath(path);
        return File.Exists(full)
            ? ConfigFile.Load(full, context.Show(full))
            : throw new UsageException($"{source}: no such file; give the path of a Coyote.config (or omit it to use the nearest one)");
    }

    private static SimSettings Apply(SettingField field, SimSettings settings, SettingInput input, Func<string> message)
    {
        try
        {
            return field.Apply(settings, input);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            throw new UsageException(message());
        }
    }

    private static string Hint(SettingField field, string? text) =>
        field.Choices.Count > 0 && text is not null ? Suggest.DidYouMean(text, field.Choices) : string.Empty;

    private static bool IsNone(string text) => text.Trim() is "none" or "null";
}
