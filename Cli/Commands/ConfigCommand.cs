using System.CommandLine;
using Sim.Cli.Configuration;
using Sim.Cli.Output;
using Spectre.Console;

namespace Sim.Cli.Commands;

/// <summary>
/// <c>sim config [--json] [settings]</c>: shows every setting as the other commands would resolve it (flag &gt;
/// environment &gt; file &gt; built-in), with where each value came from. Checks Coyote.config without running anything.
/// </summary>
internal static class ConfigCommand
{
    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the resolved settings as JSON." };
        var settings = SettingOptions.Every();
        var command = new Command("config", "Show the resolved settings and where each comes from (flag > environment > file > built-in).") { json };
        settings.AddTo(command);
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            var resolved = settings.Resolve(parse, context);
            var rows = SettingFields.All.Select(f => new SettingJson(
                f.Key, f.Show(resolved.Settings), resolved.Origins[f.Key].Source, resolved.Origins[f.Key].Where, f.EnvironmentVariable)).ToList();
            if (parse.GetValue(json))
            {
                context.Out.Write(Json.Serialize(new ConfigJson(resolved.File?.FullPath, rows)));
                return ExitCodes.Ok;
            }

            var console = context.Console;
            context.Out.WriteLine($"Config file: {(resolved.File is { } file ? context.Show(file.FullPath) : "none found (built-in defaults)")}");
            var table = new Table().Border(TableBorder.Simple).AddColumn("Setting").AddColumn("Value").AddColumn("From").AddColumn("Environment variable");
            foreach (var row in rows)
            {
                table.AddRow(new Text(row.Key), new Text(row.Value), new Text(row.Where), new Text(row.EnvironmentVariable));
            }

            console.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private sealed record ConfigJson(string? File, IReadOnlyList<SettingJson> Settings);

    private sealed record SettingJson(string Key, string Value, SettingSource Source, string Where, string EnvironmentVariable);
}
