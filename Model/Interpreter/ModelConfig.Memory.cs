using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Model.Qsbr;

namespace Sim.Model.Interpreter;

/// <summary>The memory mechanisms' designs: biased reference counting, QSBR and delayed free, the mimalloc heap.</summary>
public sealed partial record ModelConfig
{
    /// <summary>Biased reference counting (<c>Include/object.h</c>, <c>Objects/object.c</c>, <c>Python/brc.c</c>).</summary>
    public RefcountDesign Refcount { get; init; } = RefcountDesign.Cpython313;

    /// <summary>QSBR and the delayed-free queues (<c>Python/qsbr.c</c>, <c>Objects/obmalloc.c</c>).</summary>
    public QsbrDesign Qsbr { get; init; } = QsbrDesign.Cpython313;

    /// <summary>The mimalloc heap and CPython's page-reuse hooks.</summary>
    public MimallocDesign Mimalloc { get; init; } = MimallocDesign.Cpython313;
}
