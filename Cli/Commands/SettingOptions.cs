using System.CommandLine;
using Sim.Cli.Configuration;

namespace Sim.Cli.Commands;

/// <summary>
/// The flags of a command that override settings (<c>--iterations</c> over <c>SIM_ITERATIONS</c> over Coyote.config),
/// plus <c>--config</c>, made from the rows of <see cref="SettingFields"/>. Each flag is read as text and checked by the
/// same parser as the file and the environment, so a bad value gets the same one-line message wherever it comes from.
/// </summary>
internal sealed class SettingOptions
{
    private readonly List<(Option Option, SettingField Field)> _flags;

    private SettingOptions(IEnumerable<SettingField> fields, Func<SettingField, string> flag) =>
        _flags = [.. fields.Select(f => (Flag(f, flag(f)), f))];

    /// <summary><c>--config PATH</c>: the config file to read instead of the nearest Coyote.config.</summary>
    public Option<string> Config { get; } = new("--config")
    {
        Description = $"Read settings from this file instead of the nearest {ConfigFile.FileName} (current folder and up); env: {SettingsResolver.ConfigVariable}",
        HelpName = "PATH",
    };

    /// <summary>The flags of the exploration commands (explore, hunt): exploration and output settings; <c>compare</c>, which writes no file, takes no output flag.</summary>
    public static SettingOptions Exploration(bool output = true) =>
        new(SettingFields.All.Where(f => f.Scope == SettingScope.Exploration || (output && f.Scope == SettingScope.Output)), f => f.Flag);

    /// <summary>The flags of <c>sim stress</c>.</summary>
    public static SettingOptions Stress() => new(SettingFields.All.Where(f => f.Scope == SettingScope.Stress), f => f.Flag);

    /// <summary>The flags of <c>sim config</c>: every setting (the stress ones prefixed <c>--stress-</c>).</summary>
    public static SettingOptions Every() => new(SettingFields.All, f => f.ConfigFlag);

    /// <summary>
    /// The flag of <paramref name="field"/>. A switch (<c>--run-to-completion</c>) is a <c>bool</c> option, which takes an
    /// optional <c>true</c> or <c>false</c> and only those (System.CommandLine leaves any other word after it to the
    /// command: <c>sim explore --run-to-completion pymutex-wakeup</c> names the scenario).
    /// </summary>
    private static Option Flag(SettingField field, string name)
    {
        Option option = field.Shape == JsonShape.Boolean ? new Option<bool>(name) { Arity = ArgumentArity.ZeroOrOne } : new Option<string>(name);
        option.Description = $"{field.Description} [config: {field.Key}; env: {field.EnvironmentVariable}]" +
            (field.FlagClears is { } other ? $" Giving it sets {other} to none." : string.Empty);
        option.HelpName = field.HelpName;
        return option;
    }

    /// <summary>The text of <paramref name="option"/> on this command line, or null if it was not given.</summary>
    private static string? Text(ParseResult parse, Option option) => option switch
    {
        Option<bool> on => parse.GetResult(on) is not { Implicit: false } ? null : parse.GetValue(on) ? "true" : "false",
        Option<string> text => parse.GetValue(text),
        _ => throw new InvalidOperationException($"no flag of type {option.GetType()}"),
    };

    /// <summary>Adds the flags and <c>--config</c> to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var (option, _) in _flags)
        {
            command.Add(option);
        }

        command.Add(Config);
    }

    /// <summary>
    /// The flags given on this command line, and the settings they clear (<c>--runs</c> replaces the stress time limit
    /// too); two flags that clear each other are bad input.
    /// </summary>
    public IReadOnlyList<FlagValue> Given(ParseResult parse)
    {
        var given = _flags.Select(f => (f.Field, f.Option.Name, Text: Text(parse, f.Option)))
            .Where(f => f.Text is not null).ToList();
        var values = new List<FlagValue>();
        foreach (var (field, flag, text) in given)
        {
            if (field.FlagClears is { } cleared)
            {
                if (given.FirstOrDefault(g => g.Field.Key == cleared) is { Field: not null } both)
                {
                    throw new UsageException($"give {flag} or {both.Name}, not both");
                }

                values.Add(new FlagValue(cleared, flag, "none"));
            }

            values.Add(new FlagValue(field.Key, flag, text!));
        }

        return values;
    }

    /// <summary>Resolves the settings (flag &gt; environment &gt; file &gt; built-in); warns about unknown <c>SIM_*</c> variables.</summary>
    public ResolvedSettings Resolve(ParseResult parse, CliContext context)
    {
        var resolved = SettingsResolver.Resolve(context, parse.GetValue(Config), Given(parse));
        foreach (var warning in SettingsResolver.UnknownVariables(context))
        {
            context.Error.WriteLine($"sim: warning: {warning}");
        }

        return resolved;
    }
}
