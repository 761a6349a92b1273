using Sim.Model.Brc;
using Sim.Model.Mimalloc;
using Sim.Model.Qsbr;

namespace Sim.Model.Interpreter;

/// <summary>
/// QSBR: <c>tstate-&gt;qsbr</c> and <c>tstate-&gt;mem_free_queue</c>; going online and offline with attach and detach; the
/// quiescent state at every periodic check; unregistering at deletion. Also where the memory mechanisms' per-thread state
/// is created.
/// </summary>
public sealed partial class PyThreadState
{
    /// <summary><c>tstate-&gt;qsbr</c>; null once unregistered.</summary>
    public QsbrThreadState? Qsbr { get; private set; }

    /// <summary><c>mem_free_queue</c>: the thread's delayed frees, chunk by chunk (owner only).</summary>
    public LinkedList<MemWorkChunk> MemFreeQueue { get; } = new();

    /// <summary>
    /// Creates the memory mechanisms' per-thread state: the QSBR state (<c>_Py_qsbr_reserve</c> and <c>_Py_qsbr_register</c>
    /// in <c>new_threadstate</c>), the BRC entry (<c>_Py_brc_init_thread</c>) and the heaps (<c>tstate_mimalloc_bind</c>), the
    /// last two done by <c>bind_tstate</c>.
    /// </summary>
    /// <remarks>Deviation: all at creation; CPython binds when the thread first runs, which makes no difference here.</remarks>
    partial void InitializeMechanisms()
    {
        Qsbr = Interp.Qsbr.Register(this);
        Brc = new BrcThreadState(this);
        Interp.Brc.InitThread(this);
        Mimalloc = new MimallocThreadState(Interp.Mimalloc, this);
    }

    /// <summary><c>_Py_qsbr_attach</c>, from <c>_PyThreadState_Attach</c>: online at the current write sequence.</summary>
    partial void OnAttach() => Qsbr?.Attach();

    /// <summary><c>_Py_qsbr_detach</c>, from <c>detach_thread</c>: offline, holding up no goal.</summary>
    partial void OnDetach() => Qsbr?.Detach();

    /// <summary>
    /// <c>QSBR_QUIESCENT_STATE</c> at the eval loop's periodic check: this thread holds no lock-free pointer from before now.
    /// With <see cref="QsbrDesign.ProcessDelayedAtPeriodicCheck"/>, also processes the delayed-free queue.
    /// </summary>
    partial void OnPeriodic()
    {
        if (Qsbr is not { } qsbr)
        {
            return;
        }

        qsbr.QuiescentState();
        if (Interp.Config.Qsbr.ProcessDelayedAtPeriodicCheck)
        {
            Interp.DelayedFree.ProcessDelayed(this);
        }
    }

    /// <summary>
    /// <c>_Py_qsbr_unregister</c>, after <c>HEAD_LOCK</c> is released in <c>tstate_delete_common</c>. A state deleted while
    /// still online goes offline first, as <c>_PyThreadState_DeleteCurrent</c> does.
    /// </summary>
    partial void OnDeleted()
    {
        if (Qsbr is not { } qsbr)
        {
            return;
        }

        if (qsbr.Seq.Peek() != QsbrSeq.Offline)
        {
            qsbr.Detach();
        }

        Interp.Qsbr.Unregister(this);
        Qsbr = null;
    }
}
