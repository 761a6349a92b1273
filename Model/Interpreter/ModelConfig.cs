using Sim.Model.Locks;

namespace Sim.Model.Interpreter;

/// <summary>
/// The interpreter's configuration as far as the model cares: which design each mechanism follows (CPython 3.13's, a
/// historical one, or a broken one a scenario needs). Scenario variants select one of these; model code reads it and
/// never asks which variant runs. Each mechanism adds its own design properties in its own partial file
/// (<c>ModelConfig.&lt;Mechanism&gt;.cs</c>).
/// </summary>
public sealed partial record ModelConfig
{
    /// <summary>CPython 3.13, free-threaded build, in every mechanism.</summary>
    public static ModelConfig Cpython313 { get; } = new();

    /// <summary>The lock primitives of <c>Python/lock.c</c>.</summary>
    public LockDesign Locks { get; init; } = LockDesign.Cpython313;
}
