using System.Runtime.CompilerServices;

namespace Sim.Cli.Tests;

/// <summary>What one in-process run of <c>sim</c> gave.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Asserts bad input: exit 2, exactly one line on stderr naming the problem, no stack trace, nothing on stdout.</summary>
    public string AssertBadInput(string expectedFragment)
    {
        Assert.True(ExitCode == 2, $"expected exit 2, got {ExitCode}\nout: {Out}\nerr: {Error}");
        Assert.Single(ErrorLines);
        Assert.StartsWith("sim: ", ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(" at Sim.", Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", Error, StringComparison.Ordinal);
        Assert.Contains(expectedFragment, Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, Out);
        return ErrorLines[0];
    }
}

/// <summary>
/// A scratch folder holding its own Coyote.config, in which <c>sim</c> runs in-process with captured output and a
/// controlled environment (never the process's own, so tests do not depend on the machine).
/// </summary>
public sealed class CliHarness : IDisposable
{
    /// <summary>The settings tests run with unless they say otherwise: small budgets, a fixed seed.</summary>
    public const string DefaultConfig = """
        // test settings
        {
          "iterations": 200,
          "seed": 20261125,
          "shrinkRuns": 50,
          "boundedSchedules": 50,
          "outputDirectory": "out",
          "stress": { "runs": 10, "hangTimeoutSeconds": 20 },
        }
        """;

    public CliHarness(string? config = DefaultConfig)
    {
        Directory = Path.Combine(Path.GetTempPath(), "sim-cli-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(Directory, "Coyote.config"), config);
        }
    }

    /// <summary>The scratch folder (the current folder of every run).</summary>
    public string Directory { get; }

    /// <summary>The environment variables of every run.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>The current folder of the runs; the scratch folder unless a test moves it.</summary>
    public string? CurrentDirectory { get; set; }

    /// <summary>The output folder the default config names.</summary>
    public string OutputDirectory => Path.Combine(Directory, "out");

    /// <summary>The repository's root (found from this source file's path).</summary>
    public static string RepositoryRoot([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", ".."));

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>Cancelled to interrupt a run as Ctrl-C would.</summary>
    public CancellationToken Interrupt { get; set; }

    public CliResult Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            Environment = Environment,
            WorkingDirectory = CurrentDirectory ?? Directory,
            Interactive = false,
            Width = 200,
            Interrupt = Interrupt,
        };
        var code = SimCli.Run(args, context);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
