namespace Sim.Cli.Loading;

/// <summary>
/// The assembly scenarios came from, as traces and hunt reports record it: the name, and the full path where
/// <c>sim replay</c> and <c>sim merge</c> look for it again. The corpus built into the tool is <c>Sim.Scenarios</c>
/// without a path in a trace, and no entry in a report.
/// </summary>
/// <param name="Name">The assembly's simple name.</param>
/// <param name="Path">Its full path when it is not the tool's own corpus; null for the built-in corpus.</param>
internal sealed record ScenarioAssembly(string Name, string? Path)
{
    /// <summary>The record of <paramref name="variant"/>'s assembly.</summary>
    public static ScenarioAssembly Of(VariantRef variant)
    {
        var assembly = variant.Scenario.GetType().Assembly;
        return new(assembly.GetName().Name ?? "?", variant.Flags.Length == 0 ? null : assembly.Location);
    }

    /// <summary>The record of the outside assembly at <paramref name="path"/> (one a <see cref="Catalog"/> was loaded from).</summary>
    public static ScenarioAssembly Of(string path) => new(System.Reflection.AssemblyName.GetAssemblyName(path).Name ?? "?", path);
}
