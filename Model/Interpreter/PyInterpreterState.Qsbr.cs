using Sim.Model.Qsbr;

namespace Sim.Model.Interpreter;

/// <summary>QSBR and the delayed-free queues: <c>interp-&gt;qsbr</c> and <c>interp-&gt;mem_free_queue</c>.</summary>
public sealed partial class PyInterpreterState
{
    /// <summary><c>interp-&gt;qsbr</c>.</summary>
    public QsbrShared Qsbr { get; }

    /// <summary><c>_PyMem_FreeDelayed</c> and the delayed-free queues, with <c>interp-&gt;mem_free_queue</c>.</summary>
    public DelayedFree DelayedFree { get; }
}
