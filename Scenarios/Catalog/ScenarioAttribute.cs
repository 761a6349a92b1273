namespace Sim.Scenarios.Catalog;

/// <summary>Registers a <see cref="Scenario"/> in the <see cref="ScenarioCatalog"/> under a name.</summary>
/// <param name="name">The scenario's name on the command line: lower-case words joined by hyphens.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ScenarioAttribute(string name) : Attribute
{
    /// <summary>The scenario's name.</summary>
    public string Name { get; } = name;
}
