using System.CommandLine;
using Sim.Cli.Commands;
using Sim.Cli.Output;

namespace Sim.Cli;

/// <summary>
/// The <c>sim</c> command line: builds the commands and runs one. Callable in-process (tests pass their own writers,
/// environment and folder through <see cref="CliContext"/>); <c>Program</c> passes the process's.
/// </summary>
internal static class SimCli
{
    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (README, "Exit codes").</summary>
    public static int Run(string[] args, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var root = new RootCommand("sim: explore thread interleavings of CPython 3.13 free-threading mechanisms, replay the bugs found, hunt the whole corpus.")
        {
            ListCommand.Create(context),
            ExploreCommand.Create(context),
            ReplayCommand.Create(context),
            HuntCommand.Create(context),
            StressCommand.Create(context),
            CompareCommand.Create(context),
            ConfigCommand.Create(context),
            MergeCommand.Create(context),
            HuntWorkerCommand.Create(context),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            var path = command == root ? "sim" : $"sim {command.Name}";
            var problem = parse.UnmatchedTokens is [var token, ..]
                ? $"unrecognized command or argument '{token}'" +
                    Suggest.DidYouMean(token, command.Subcommands.Select(c => c.Name).Concat(command.Options.Select(o => o.Name)))
                : Format.OneLine(parse.Errors[0].Message).TrimEnd('.');
            context.Error.WriteLine($"sim: {problem}; run '{path} --help' for usage");
            return ExitCodes.BadInput;
        }

        if (parse.Action is System.CommandLine.Help.HelpAction && parse.CommandResult.Command == root)
        {
            using var help = new StringWriter();
            parse.Invoke(new InvocationConfiguration { Output = help, Error = context.Error });
            context.Out.Write(RootHelp.MarkOptionalArguments(help.ToString(), root));
            return ExitCodes.Ok;
        }

        return CommandRunner.Guard(context, () => parse.Invoke(new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,
            EnableDefaultExceptionHandler = false,
        }));
    }
}
