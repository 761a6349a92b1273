using System.Reflection;

namespace Sim.Cli;

/// <summary>The tool's name and version, as written into traces and reports.</summary>
internal static class ToolInfo
{
    /// <summary>"sim 0.1.0".</summary>
    public static string NameAndVersion { get; } = $"sim {Version}";

    /// <summary>The informational version, without the source revision suffix.</summary>
    public static string Version =>
        (typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
            .Split('+')[0];
}
