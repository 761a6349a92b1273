using System.Reflection;
using System.Runtime.Loader;

namespace Sim.Cli.Loading;

/// <summary>
/// Loads a user's scenario assembly and its own dependencies (through its <c>.deps.json</c>, as the host would), but
/// leaves Sim's assemblies and Coyote to the tool: <c>Sim.Runtime</c>, <c>Sim.Model</c>, <c>Sim.Scenarios</c> and
/// <c>Microsoft.Coyote*</c> resolve to the copies the tool runs on, so that the user's <c>Scenario</c> subclasses are
/// the tool's <c>Scenario</c> type and run on the tool's Runtime. A scenario compiled against another version of those
/// packages is refused by <see cref="ScenarioSources"/> (README, "Your own scenarios").
/// </summary>
internal sealed class ScenarioLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver _resolver;

    /// <summary>A context for the assembly at <paramref name="path"/> (absolute).</summary>
    public ScenarioLoadContext(string path)
        : base($"sim scenarios: {Path.GetFileName(path)}", isCollectible: false) =>
        _resolver = new AssemblyDependencyResolver(path);

    /// <summary>True for the assemblies the tool shares with the scenarios it loads.</summary>
    public static bool IsShared(string? name) =>
        name is "Sim.Runtime" or "Sim.Model" or "Sim.Scenarios" || (name?.StartsWith("Microsoft.Coyote", StringComparison.Ordinal) ?? false);

    /// <inheritdoc/>
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Null defers to the default context: the tool's own copy of a shared assembly, or the framework's.
        if (IsShared(assemblyName.Name))
        {
            return null;
        }

        return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }

    /// <inheritdoc/>
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
}
