using System.Collections;
using Sim.Cli.Output;
using Spectre.Console;

namespace Sim.Cli;

/// <summary>
/// Everything a command touches outside itself: where it writes, the environment it reads settings from, the current
/// directory, and whether a person is watching (live progress) or a log is (plain lines). Tests build one over
/// <see cref="StringWriter"/>s and a dictionary of variables; <see cref="FromProcess"/> builds the real one.
/// </summary>
internal sealed class CliContext
{
    private IAnsiConsole? _console;

    /// <summary>Standard input (what a hunt's worker process reads its variants from).</summary>
    public TextReader In { get; init; } = TextReader.Null;

    /// <summary>Standard output: results, tables, reports.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Standard error: the one-line error of bad input, warnings.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>The environment variables (the <c>SIM_*</c> settings among them).</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>The directory relative paths are taken from, and where the search for Coyote.config starts.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>True when output goes to a terminal: live progress and colours; false for logs, pipes and tests.</summary>
    public bool Interactive { get; init; }

    /// <summary>The width tables are laid out for when the output is not a terminal.</summary>
    public int Width { get; init; } = 160;

    /// <summary>Cancelled to interrupt the running command as Ctrl-C would (tests); the process's signals come on top.</summary>
    public CancellationToken Interrupt { get; init; }

    /// <summary>The Spectre console over <see cref="Out"/>.</summary>
    public IAnsiConsole Console => _console ??= Terminal.Create(Out, Interactive, Width);

    /// <summary>The context of the running process.</summary>
    public static CliContext FromProcess()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in System.Environment.GetEnvironmentVariables())
        {
            if (e.Key is string key && e.Value is string value)
            {
                environment[key] = value;
            }
        }

        var interactive = !System.Console.IsOutputRedirected
            && environment.GetValueOrDefault("TERM") != "dumb"
            && !environment.ContainsKey("CI")
            && !environment.ContainsKey("NO_LIVE");
        var width = int.TryParse(environment.GetValueOrDefault("COLUMNS"), out var columns) && columns >= 40 ? columns : 160;
        return new CliContext
        {
            In = System.Console.In,
            Out = System.Console.Out,
            Error = System.Console.Error,
            Environment = environment,
            WorkingDirectory = Directory.GetCurrentDirectory(),
            Interactive = interactive,
            Width = width,
        };
    }

    /// <summary>Runs <paramref name="work"/>, under a spinner with <paramref name="status"/> when a person is watching.</summary>
    public T Busy<T>(string status, Func<T> work) =>
        Interactive ? Console.Status().Start(status, _ => work()) : work();

    /// <summary>A path given by the user, made absolute against <see cref="WorkingDirectory"/>.</summary>
    public string FullPath(string path) => Path.GetFullPath(path, WorkingDirectory);

    /// <summary>A path as shown to the user: relative to <see cref="WorkingDirectory"/> when it lies below it.</summary>
    public string Show(string path)
    {
        var relative = Path.GetRelativePath(WorkingDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
