using System.Reflection;

namespace Sim.Cli;

/// <summary>The tool's name and version, as written into traces and reports.</summary>
internal static class ToolInfo
{
    /// <summary>"sim 0.1.0".</summary>
    public static string NameAndVersion { get; } = $"sim {Version}";

    /// <summary>
    /// The folder of this tool's project (<c>Cli/</c>, the one with <c>Sim.Cli.csproj</c>) when the tool runs from a build in
    /// a clone of the repository, found from the assembly's folder upwards; null otherwise (an installed copy).
    /// </summary>
    public static string? ProjectDirectory { get; } = FindProject(AppContext.BaseDirectory);

    /// <summary>The informational version, without the source revision suffix.</summary>
    public static string Version =>
        (typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
            .Split('+')[0];

    private static string? FindProject(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { dir.FullName, Path.Combine(dir.FullName, "Cli") })
            {
                if (File.Exists(Path.Combine(candidate, "Sim.Cli.csproj")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
