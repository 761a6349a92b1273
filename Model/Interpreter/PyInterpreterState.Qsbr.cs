using Sim.Model.Brc;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Model.Qsbr;

namespace Sim.Model.Interpreter;

/// <summary>QSBR: <c>interp-&gt;qsbr</c> and <c>interp-&gt;mem_free_queue</c>; and the creation of the memory mechanisms' state.</summary>
public sealed partial class PyInterpreterState
{
    /// <summary><c>interp-&gt;qsbr</c>.</summary>
    public QsbrShared Qsbr { get; private set; } = null!;

    /// <summary><c>_PyMem_FreeDelayed</c> and the delayed-free queues, with <c>interp-&gt;mem_free_queue</c>.</summary>
    public DelayedFree DelayedFree { get; private set; } = null!;

    /// <summary>
    /// Creates the memory mechanisms' interpreter state, in the order <c>init_interpreter</c> does: the allocator, QSBR
    /// (<c>_Py_qsbr</c> state), the BRC table (<c>_Py_brc_init_state</c>).
    /// </summary>
    partial void InitializeMechanisms()
    {
        Mimalloc = new MimallocInterpState(this);
        Objects = new PyObjectAllocator(this);
        Mem = new PyMem(this);
        Qsbr = new QsbrShared(this, Config.Qsbr);
        DelayedFree = new DelayedFree(this);
        Brc = new BrcState(this);
        Refcount = new PyRefcount(this);
    }
}
