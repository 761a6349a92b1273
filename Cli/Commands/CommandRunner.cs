using Sim.Cli.Output;

namespace Sim.Cli.Commands;

/// <summary>
/// Runs a command's body so that no exception escapes as a stack trace: bad input becomes one line and exit code 2,
/// anything unexpected (an error of the tool) one line and exit code 4.
/// </summary>
internal static class CommandRunner
{
    /// <summary>Runs <paramref name="body"/> and returns its exit code.</summary>
    public static int Guard(CliContext context, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UsageException ex)
        {
            context.Error.WriteLine($"sim: {Format.OneLine(ex.Message)}");
            return ExitCodes.BadInput;
        }
        catch (Exception ex)
        {
            context.Error.WriteLine($"sim: internal error: {Format.OneLine((ex.GetBaseException() ?? ex).Message)} ({ex.GetType().Name}); please report it");
            return ExitCodes.ToolError;
        }
    }
}
