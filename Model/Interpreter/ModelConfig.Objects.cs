using Sim.Model.Objects;
using Sim.Model.Objects.Types;

namespace Sim.Model.Interpreter;

/// <summary>The objects' part of the configuration (<c>Objects/*.c</c>).</summary>
public sealed partial record ModelConfig
{
    /// <summary>The list (<c>Objects/listobject.c</c>): the 3.13 branch by default, <see cref="ListDesign.Cpython3130"/> for 3.13.0.</summary>
    public ListDesign List { get; init; } = ListDesign.Cpython313;

    /// <summary>The type attribute cache (<c>Objects/typeobject.c</c>): CPython 3.13's by default.</summary>
    public TypeCacheDesign TypeCache { get; init; } = TypeCacheDesign.Cpython313;

    /// <summary>What <c>tp_dealloc</c> does when <c>tp_finalize</c> resurrects the object: CPython 3.13's (gh-113750) by default.</summary>
    public ResurrectionDesign Resurrection { get; init; } = ResurrectionDesign.Cpython313;
}
