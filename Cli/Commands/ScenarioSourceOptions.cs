using System.CommandLine;
using Sim.Cli.Loading;

namespace Sim.Cli.Commands;

/// <summary>
/// <c>--assembly PATH</c> and <c>--project PATH</c> (both repeatable): where a command's scenarios come from instead
/// of the corpus built into the tool (<see cref="ScenarioSources"/>).
/// </summary>
internal sealed class ScenarioSourceOptions
{
    private readonly Option<string[]> _assembly = new("--assembly")
    {
        Description = "Load the scenarios of this built assembly (.dll) instead of the built-in corpus; repeatable.",
        HelpName = "PATH",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string[]> _project = new("--project")
    {
        Description = "Build this scenario project (.csproj) with 'dotnet build' and load its scenarios; repeatable.",
        HelpName = "PATH",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Adds the flags to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(_assembly);
        command.Add(_project);
    }

    /// <summary>True if the command line gave <c>--assembly</c> or <c>--project</c>.</summary>
    public bool Given(ParseResult parse) => (parse.GetValue(_assembly)?.Length ?? 0) + (parse.GetValue(_project)?.Length ?? 0) > 0;

    /// <summary>The catalog the command line selects.</summary>
    public Catalog Load(ParseResult parse, CliContext context) =>
        ScenarioSources.Load(parse.GetValue(_assembly) ?? [], parse.GetValue(_project) ?? [], context);
}
