using Sim.Model.CriticalSections;

namespace Sim.Model.Interpreter;

/// <summary>The critical sections' part of the configuration.</summary>
public sealed partial record ModelConfig
{
    /// <summary>
    /// Critical sections (<c>Python/critical_section.c</c>): CPython 3.13's free-threaded design by default,
    /// <see cref="CriticalSectionDesign.DefaultBuild"/> for the default build's no-op macros, or a broken design.
    /// </summary>
    public CriticalSectionDesign CriticalSections { get; init; } = CriticalSectionDesign.Cpython313;
}
