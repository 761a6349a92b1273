using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Runtime.Cells;

namespace Sim.Model.Qsbr;

/// <summary>
/// <c>struct _Py_mem_interp_free_queue</c> (<c>interp-&gt;mem_free_queue</c>, 3.13): the delayed frees of threads that have
/// exited (<c>_PyMem_AbandonDelayed</c>), guarded by a mutex that other threads take only with a try-lock, and a
/// <c>has_work</c> flag read without it.
/// </summary>
public sealed class MemInterpFreeQueue
{
    internal MemInterpFreeQueue(PyInterpreterState interp)
    {
        Mutex = new PyMutex(interp.Runtime, "mem_free_queue.mutex", interp.Config.Locks);
        HasWork = new AtomicInt(interp.Runtime, "mem_free_queue.has_work");
    }

    /// <summary><c>mutex</c>.</summary>
    public PyMutex Mutex { get; }

    /// <summary><c>has_work</c>: relaxed loads and stores.</summary>
    public AtomicInt HasWork { get; }

    /// <summary><c>head</c>: the chunks, under <see cref="Mutex"/>.</summary>
    internal LinkedList<MemWorkChunk> Head { get; } = new();

    /// <summary>The items waiting, read without the mutex (for checks).</summary>
    public IEnumerable<MemWorkItem> PendingForCheck => Head.ToList().SelectMany(c => c.Pending);
}
