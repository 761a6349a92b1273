using Sim.Model.Ceval;
using Sim.Model.Gc;

namespace Sim.Model.Interpreter;

/// <summary>The eval loop's part of the configuration: the eval breaker, the GIL, the GC's scheduling.</summary>
public sealed partial record ModelConfig
{
    /// <summary>The eval breaker (<c>Python/ceval_gil.c</c>, <c>Python/instrumentation.c</c>): CPython 3.13's per-thread design by default.</summary>
    public CevalDesign Ceval { get; init; } = CevalDesign.Cpython313;

    /// <summary>
    /// The GIL (<c>Python/ceval_gil.c</c>): by default <c>PYTHON_GIL=0</c>, the free-threaded build with the GIL off for good,
    /// as every scenario that is not about the GIL runs.
    /// </summary>
    public GilDesign Gil { get; init; } = GilDesign.Disabled;

    /// <summary>The GC's allocation count and collection claim (<c>Python/gc_free_threading.c</c>).</summary>
    public GcDesign Gc { get; init; } = GcDesign.Cpython313;
}
