using Sim.Model.Objects.Dict;

namespace Sim.Model.Interpreter;

/// <summary>The dict's part of the configuration (<c>Objects/dictobject.c</c>).</summary>
public sealed partial record ModelConfig
{
    /// <summary>The free-threaded dict: CPython 3.13's by default, or a broken design a scenario needs.</summary>
    public DictDesign Dict { get; init; } = DictDesign.Cpython313;
}
