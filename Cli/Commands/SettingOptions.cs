using System.CommandLine;
using Sim.Cli.Configuration;

namespace Sim.Cli.Commands;

/// <summary>
/// The flags of a command that override settings (<c>--iterations</c> over <c>SIM_ITERATIONS</c> over Coyote.config),
/// plus <c>--config</c>. Each flag is read as text and checked by the same parser as the file and the environment, so
/// a bad value gets the same one-line message wherever it comes from.
/// </summary>
internal sealed class SettingOptions
{
    private readonly List<(Option<string> Option, string Key)> _flags = [];

    /// <summary><c>--config PATH</c>: the config file to read instead of the nearest Coyote.config.</summary>
    public Option<string> Config { get; } = new("--config")
    {
        Description = $"Read settings from this file instead of the nearest {ConfigFile.FileName} (current folder and up); env: {SettingsResolver.ConfigVariable}",
        HelpName = "PATH",
    };

    /// <summary>The flags of every exploration setting (explore, hunt, config).</summary>
    public static SettingOptions Exploration() => new SettingOptions()
        .Add("--strategy", "strategy", "NAME")
        .Add("--strategy-bound", "strategyBound", "N")
        .Add("--iterations", "iterations", "N")
        .Add("--max-steps", "maxSteps", "N")
        .Add("--seed", "seed", "N|random")
        .Add("--time-limit", "timeLimitSeconds", "SECONDS")
        .Add("--virtual-nanos-per-step", "virtualNanosPerStep", "NS")
        .Add("--yield-fairness", "yieldFairness", "N")
        .Add("--hang-timeout", "hangTimeoutSeconds", "SECONDS")
        .Add("--output", "outputDirectory", "DIR");

    /// <summary>Adds a flag for the setting <paramref name="key"/>.</summary>
    public SettingOptions Add(string flag, string key, string helpName)
    {
        var field = SettingFields.Get(key);
        _flags.Add((new Option<string>(flag)
        {
            Description = $"{field.Description} [config: {field.Key}; env: {field.EnvironmentVariable}]",
            HelpName = helpName,
        }, key));
        return this;
    }

    /// <summary>Adds the flags and <c>--config</c> to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var (option, _) in _flags)
        {
            command.Add(option);
        }

        command.Add(Config);
    }

    /// <summary>The flags given on this command line.</summary>
    public IEnumerable<FlagValue> Given(ParseResult parse) =>
        _flags.Select(f => (f.Key, f.Option.Name, Text: parse.GetValue(f.Option)))
            .Where(f => f.Text is not null)
            .Select(f => new FlagValue(f.Key, f.Name, f.Text!));

    /// <summary>Resolves the settings (flag &gt; environment &gt; file &gt; built-in); warns about unknown <c>SIM_*</c> variables.</summary>
    public ResolvedSettings Resolve(ParseResult parse, CliContext context, IEnumerable<FlagValue>? extra = null)
    {
        var resolved = SettingsResolver.Resolve(context, parse.GetValue(Config), Given(parse).Concat(extra ?? []));
        foreach (var warning in SettingsResolver.UnknownVariables(context))
        {
            context.Error.WriteLine($"sim: warning: {warning}");
        }

        return resolved;
    }
}
