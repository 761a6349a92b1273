using Sim.Model.Objects.Weakrefs;

namespace Sim.Model.Interpreter;

/// <summary>The weak references' part of the configuration (<c>Objects/weakrefobject.c</c>).</summary>
public sealed partial record ModelConfig
{
    /// <summary>Weak references: CPython 3.13's free-threaded design by default.</summary>
    public WeakrefDesign Weakrefs { get; init; } = WeakrefDesign.Cpython313;
}
