using Sim.Model.Qsbr;

namespace Sim.Model.Interpreter;

/// <summary>QSBR's and the delayed-free queue's per-thread state.</summary>
public sealed partial class PyThreadState
{
    /// <summary>
    /// <c>tstate-&gt;qsbr</c>: reserved and registered by <see cref="PyInterpreterState.NewThreadState"/>; null once
    /// <see cref="Delete"/> unregistered it.
    /// </summary>
    public QsbrThreadState? Qsbr { get; internal set; }

    /// <summary><c>mem_free_queue</c>: the thread's delayed frees, chunk by chunk (owner only).</summary>
    public LinkedList<MemWorkChunk> MemFreeQueue { get; } = new();

    /// <summary><c>_Py_qsbr_unregister</c>: gives the QSBR state back; the thread must be offline.</summary>
    private void UnregisterQsbr()
    {
        if (Qsbr is null)
        {
            return;
        }

        Interp.Qsbr.Unregister(this);
        Qsbr = null;
    }
}
