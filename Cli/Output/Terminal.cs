using Spectre.Console;

namespace Sim.Cli.Output;

/// <summary>Creates the Spectre console a command writes to: a live terminal, or plain text for logs and tests.</summary>
internal static class Terminal
{
    /// <summary>A console over <paramref name="writer"/>; without a terminal, no colours, no cursor movement, a fixed width.</summary>
    public static IAnsiConsole Create(TextWriter writer, bool interactive, int width)
    {
        if (interactive)
        {
            return AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = width;
        return console;
    }
}
