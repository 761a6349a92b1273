using Sim.Model.Interpreter;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects;

/// <summary>
/// The reference totals of a <c>Py_REF_DEBUG</c> build in the free-threaded build (the seed "This keeps track of the
/// per-thread total reference count operations in PyThreadState ... merged into the interpreter's total when the thread
/// exits"): <c>reftotal_add</c>, <c>get_reftotal</c> / <c>_PyInterpreterState_GetRefTotal</c> (<c>Objects/object.c</c>) and
/// the merge in <c>tstate_delete_common</c> (<c>Python/pystate.c</c>, 3.13). Each thread counts its reference operations in
/// its own total; the interpreter's total (<c>interp-&gt;object_state.reftotal</c>, a plain field under <c>HEAD_LOCK</c>)
/// receives a thread's total when the thread state is deleted; the sum over the interpreter and every linked thread is
/// read under <c>HEAD_LOCK</c>.
/// </summary>
/// <remarks>
/// Deviation: the legacy <c>_Py_RefTotal</c> and the runtime-wide totals of several interpreters are not modelled.
/// </remarks>
public sealed class RefTotal
{
    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;

    internal RefTotal(PyInterpreterState interp)
    {
        _interp = interp;
        _rt = interp.Runtime;
        Interpreter = new PlainCell<long>(_rt, "interp->object_state.reftotal");
    }

    /// <summary><c>interp-&gt;object_state.reftotal</c>: the totals of deleted thread states (plain, under <c>HEAD_LOCK</c>).</summary>
    public PlainCell<long> Interpreter { get; }

    /// <summary>
    /// <c>reftotal_add(tstate, n)</c>: the owner's plain read of its total (no other thread writes it) and a relaxed store
    /// "to avoid data race with read in get_reftotal()".
    /// </summary>
    public void Add(PyThreadState tstate, long n)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        var reftotal = tstate.RefTotal.Peek() + n;
        tstate.RefTotal.Store(reftotal, MemoryOrder.Relaxed);
    }

    /// <summary>
    /// <c>_PyInterpreterState_GetRefTotal</c>: under <c>HEAD_LOCK</c>, the interpreter's total plus every linked thread's
    /// (<c>get_reftotal</c>; its relaxed loads "may race with other threads modifications to their reftotal").
    /// </summary>
    public long GetRefTotal()
    {
        using var _ = _rt.Enter("_PyInterpreterState_GetRefTotal");
        _interp.HeadLock.LockDontDetach();
        var total = Interpreter.Read();
        foreach (var t in _interp.ThreadStatesForCheck)
        {
            total += t.RefTotal.Load(MemoryOrder.Relaxed);
        }

        _interp.HeadLock.Unlock();
        return total;
    }

    /// <summary>
    /// <c>tstate_delete_common</c>'s merge, "Add our portion of the total refcount to the interpreter's total":
    /// <c>interp-&gt;object_state.reftotal += tstate_impl-&gt;reftotal; tstate_impl-&gt;reftotal = 0</c>. 3.13 runs it under
    /// <c>HEAD_LOCK</c>, in the same critical section as the unlink.
    /// </summary>
    internal void MergeThread(PyThreadState tstate)
    {
        using var _ = _rt.Enter("tstate_delete_common: merge reftotal");
        Interpreter.Write(Interpreter.Read() + tstate.RefTotal.Load(MemoryOrder.Relaxed));
        tstate.RefTotal.Store(0, MemoryOrder.Relaxed);
    }
}
