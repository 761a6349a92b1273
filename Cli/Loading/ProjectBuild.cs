using System.Diagnostics;

namespace Sim.Cli.Loading;

/// <summary>
/// Builds a scenario project with <c>dotnet build</c> and finds the assembly it produced (its <c>TargetPath</c>), for
/// <c>--project</c>. A build that fails is bad input: the message quotes the first error and the command to see all.
/// </summary>
internal static class ProjectBuild
{
    /// <summary>Builds <paramref name="project"/> (a full path to a project file) and returns the full path of its output assembly.</summary>
    public static string Build(string project, string shown)
    {
        var build = Dotnet(["build", project, "--nologo", "-v", "q", "-clp:NoSummary"]);
        if (build.ExitCode != 0)
        {
            var lines = (build.Output + "\n" + build.Error).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var first = lines.FirstOrDefault(l => l.Contains(": error ", StringComparison.Ordinal)) ?? lines.FirstOrDefault() ?? "no output";
            throw new UsageException($"--project {shown}: the build failed ({Output.Format.OneLine(first)}); run 'dotnet build {Commands.Describe.Quote(project)}' to see every error");
        }

        var target = Dotnet(["msbuild", project, "-nologo", "-getProperty:TargetPath"]).Output.Trim();
        return target.Length > 0 && File.Exists(target)
            ? target
            : throw new UsageException($"--project {shown}: the build succeeded but its output assembly ('{target}') is missing; give the assembly with --assembly instead");
    }

    /// <summary>Runs the <c>dotnet</c> that runs this tool (or the one on the PATH) with <paramref name="arguments"/>.</summary>
    private static (int ExitCode, string Output, string Error) Dotnet(IReadOnlyList<string> arguments)
    {
        var host = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        // The build must not inherit the variables the host set for this process (a test host's, a tool's).
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment.Remove("MSBuildSDKsPath");
        try
        {
            using var process = Process.Start(start) ?? throw new UsageException("cannot start 'dotnet' to build the project; build it yourself and give --assembly");
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output, error.Result);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new UsageException($"cannot start 'dotnet' to build the project ({ex.Message}); build it yourself and give --assembly");
        }
    }
}
