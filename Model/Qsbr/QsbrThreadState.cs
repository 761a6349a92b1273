using Sim.Model.Interpreter;
using Sim.Runtime;
using Sim.Model.Mimalloc;
using Sim.Runtime.Cells;

namespace Sim.Model.Qsbr;

/// <summary>
/// <c>struct _qsbr_thread_state</c> (<c>tstate-&gt;qsbr</c>, <c>Include/internal/pycore_qsbr.h</c>, <c>Python/qsbr.c</c>, 3.13):
/// the thread's read sequence (<see cref="QsbrSeq.Offline"/> while detached) and its deferral count. An attached thread
/// reports a quiescent state at every periodic check of the eval loop: "I hold no lock-free pointer from before now".
/// </summary>
public sealed class QsbrThreadState
{
    private readonly SimRuntime _rt;

    internal QsbrThreadState(SimRuntime runtime, QsbrShared shared, MiBody array, int index)
    {
        _rt = runtime;
        Shared = shared;
        Index = index;
        Seq = new QsbrSeqWord(array, index);
    }

    /// <summary><c>shared</c>.</summary>
    public QsbrShared Shared { get; }

    /// <summary>The state's index in the array.</summary>
    public int Index { get; }

    /// <summary>
    /// <c>seq</c>: the last write sequence this thread observed at a quiescent state, or <see cref="QsbrSeq.Offline"/>; a word
    /// of the shared array's memory.
    /// </summary>
    public QsbrSeqWord Seq { get; }

    /// <summary><c>deferrals</c>: calls of <see cref="DeferredAdvance"/> since the write sequence last advanced (owner only).</summary>
    public int Deferrals { get; private set; }

    /// <summary><c>tstate</c>: the thread state, or null while the slot is free (under the shared mutex).</summary>
    public PyThreadState? TState { get; internal set; }

    /// <summary><c>allocated</c> (under the shared mutex).</summary>
    public bool Allocated { get; internal set; }

    internal QsbrThreadState? FreelistNext { get; set; }

    /// <summary>
    /// <c>grow_thread_array</c>'s <c>memcpy</c> of this slot from the old array's <paramref name="old"/>, and
    /// <c>initialize_new_array</c>'s re-pointing of the owner's <c>tstate-&gt;qsbr</c> at it.
    /// </summary>
    internal void CopyFrom(QsbrThreadState old)
    {
        old.Seq.CopyTo(Seq);
        Deferrals = old.Deferrals;
        Allocated = old.Allocated;
        TState = old.TState;
        if (TState is { } tstate)
        {
            tstate.Qsbr = this; // Update the thread state pointer to its QSBR state
        }
    }

    /// <summary>
    /// <c>_Py_qsbr_deferred_advance</c>: every <see cref="QsbrDesign.DeferredLimit"/>th call advances the write sequence;
    /// the others return the goal the next advance will reach, without advancing.
    /// </summary>
    public long DeferredAdvance()
    {
        using var _ = _rt.Enter("_Py_qsbr_deferred_advance");
        if (++Deferrals < Shared.Design.DeferredLimit)
        {
            return Shared.Current() + QsbrSeq.Incr;
        }

        Deferrals = 0;
        return Shared.Advance();
    }

    /// <summary><c>_Py_qbsr_goal_reached</c>: has the cached read sequence reached <paramref name="goal"/>? No scan.</summary>
    public bool GoalReached(long goal)
    {
        var rdSeq = Shared.RdSeq.Load();
        return QsbrSeq.Leq(goal, rdSeq);
    }

    /// <summary>
    /// <c>_Py_qsbr_poll</c>: true if every thread has passed <paramref name="goal"/>, scanning if the cached read sequence
    /// has not. The caller must be attached.
    /// </summary>
    public bool Poll(long goal)
    {
        using var _ = _rt.Enter("_Py_qsbr_poll");
        _rt.Check(TState is { } t && t.State.Peek() == ThreadStateStatus.Attached, $"{TState}: _Py_qsbr_poll called while not attached");
        if (GoalReached(goal))
        {
            return true;
        }

        var rdSeq = Shared.PollScan();
        return QsbrSeq.Leq(goal, rdSeq);
    }

    /// <summary>
    /// <c>_Py_qsbr_quiescent_state</c>: the caller holds no pointer to shared data that locks or reference counts do not
    /// protect; copies the write sequence (acquire) into its read sequence (release).
    /// </summary>
    public void QuiescentState()
    {
        using var _ = _rt.Enter("_Py_qsbr_quiescent_state");
        var seq = Shared.Current();
        Seq.Store(seq, MemoryOrder.Release);
    }

    /// <summary><c>_Py_qsbr_attach</c>: goes online at the current write sequence (a seq_cst store).</summary>
    public void Attach()
    {
        using var _ = _rt.Enter("_Py_qsbr_attach");
        _rt.Check(Seq.Peek() == QsbrSeq.Offline, $"{TState}: _Py_qsbr_attach: already attached");
        var seq = Shared.Current();
        Seq.Store(seq);
    }

    /// <summary><c>_Py_qsbr_detach</c>: goes offline (a release store of <see cref="QsbrSeq.Offline"/>), so it holds up no goal.</summary>
    public void Detach()
    {
        using var _ = _rt.Enter("_Py_qsbr_detach");
        _rt.Check(Seq.Peek() != QsbrSeq.Offline, $"{TState}: _Py_qsbr_detach: already detached");
        Seq.Store(QsbrSeq.Offline, MemoryOrder.Release);
    }

    /// <inheritdoc/>
    public override string ToString() => $"qsbr[{Index}]";
}
