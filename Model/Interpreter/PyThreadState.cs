using Sim.Model.Brc;
using Sim.Model.Mimalloc;
using Sim.Runtime.Cells;
using Sim.Runtime.Threads;

namespace Sim.Model.Interpreter;

/// <summary>
/// <c>PyThreadState</c> / <c>_PyThreadStateImpl</c> (<c>Include/cpython/pystate.h</c>, <c>Include/internal/pycore_tstate.h</c>,
/// <c>Python/pystate.c</c>, 3.13), reduced to what the modelled mechanisms use: the attach state, the eval breaker, the
/// periodic check of the eval loop, and the exit sequence.
/// </summary>
/// <remarks>
/// The lifecycle functions in this file (<see cref="Bind"/>, <see cref="Attach"/>, <see cref="Detach"/>,
/// <see cref="CheckPeriodic"/>, <see cref="Clear"/>, <see cref="Delete"/>, <see cref="DeleteCurrent"/>) call each mechanism
/// on its own line, in the order the CPython function does, and name at its place each step that is not modelled yet. A
/// new mechanism joins a lifecycle function by adding its line there (<c>ThreadStateLifecycleTests</c> checks the
/// order). Each mechanism's per-thread state lives in its own partial file (<c>PyThreadState.&lt;Mechanism&gt;.cs</c>) and
/// is created by <see cref="PyInterpreterState.NewThreadState"/>.
/// </remarks>
public sealed partial class PyThreadState : IParkHooks
{
    private bool _detachedForPark;

    /// <summary><c>alloc_threadstate</c> and <c>init_threadstate</c>: a DETACHED state with an empty eval breaker.</summary>
    internal PyThreadState(PyInterpreterState interp, SimThread thread)
    {
        Interp = interp;
        Thread = thread;
        var name = $"tstate[T{thread.Id}]";
        State = new AtomicInt(interp.Runtime, $"{name}.state", ThreadStateStatus.Detached);
        EvalBreaker = new AtomicLong(interp.Runtime, $"{name}.eval_breaker");
    }

    /// <summary>The interpreter.</summary>
    public PyInterpreterState Interp { get; }

    /// <summary>The simulated OS thread the state belongs to.</summary>
    public SimThread Thread { get; }

    /// <summary>
    /// <c>_Py_ThreadId()</c>: the owner id that biased reference counting stores in <c>ob_tid</c>. Non-zero and unique among
    /// live threads (the simulated thread's id).
    /// </summary>
    public long ThreadId => Thread.Id;

    /// <summary><c>state</c>: <see cref="ThreadStateStatus"/>.</summary>
    public AtomicInt State { get; }

    /// <summary><c>eval_breaker</c>: <see cref="EvalBreakerBits"/>, set with atomic OR and cleared with atomic AND.</summary>
    public AtomicLong EvalBreaker { get; }

    /// <summary>
    /// <c>_PyThreadState_Attach</c>: marks the state ATTACHED, then lets the mechanisms resume, in <c>pystate.c</c>'s order.
    /// </summary>
    /// <remarks>Deviation: stop-the-world is not modelled yet, so a SUSPENDED state is never seen here.</remarks>
    public void Attach()
    {
        using var _ = Interp.Runtime.Enter("_PyThreadState_Attach");

        // _PyEval_AcquireLock(tstate): the GIL is not modelled.
        TryAttach();
        Qsbr?.Attach(); // _Py_qsbr_attach(tstate->qsbr)

        // _PyCriticalSection_Resume(tstate): critical sections are not modelled.
    }

    /// <summary>
    /// <c>_PyThreadState_Detach</c> (<c>detach_thread</c>): lets the mechanisms suspend, then marks the state DETACHED, in
    /// <c>pystate.c</c>'s order.
    /// </summary>
    public void Detach()
    {
        using var _ = Interp.Runtime.Enter("_PyThreadState_Detach");

        // _PyCriticalSection_SuspendAll(tstate): critical sections are not modelled.
        Qsbr?.Detach(); // _Py_qsbr_detach(tstate->qsbr)
        State.Store(ThreadStateStatus.Detached, MemoryOrder.Release); // tstate_set_detached(tstate, _Py_THREAD_DETACHED)

        // _PyEval_ReleaseLock(tstate->interp, tstate, 0): the GIL is not modelled.
    }

    /// <summary>
    /// The eval loop's periodic check (<c>CHECK_EVAL_BREAKER</c>, <c>Python/ceval_macros.h</c>, 3.13): reports a quiescent
    /// state, then serves the requests set in the eval breaker (<see cref="HandlePending"/>). Scenario threads call it where
    /// Python code would pass a periodic check, for example between two operations on objects.
    /// </summary>
    public void CheckPeriodic()
    {
        using var _ = Interp.Runtime.Enter("_Py_HandlePending");
        if (Qsbr is { } qsbr)
        {
            qsbr.QuiescentState(); // QSBR_QUIESCENT_STATE(tstate)
            if (Interp.Config.Qsbr.ProcessDelayedAtPeriodicCheck)
            {
                Interp.DelayedFree.ProcessDelayed(this); // _PyMem_ProcessDelayed(tstate), a design option
            }
        }

        var breaker = EvalBreaker.Load(MemoryOrder.Relaxed);
        if (breaker != 0)
        {
            HandlePending(breaker);
        }
    }

    /// <summary>
    /// <c>PyThreadState_Clear</c>: the first half of thread exit, with the state still linked. The mechanisms give up
    /// their per-thread resources, in <c>pystate.c</c>'s order: biased refcounting leaves the thread, the delayed-free queue
    /// goes to the interpreter, the heaps are abandoned; 3.12's <c>on_delete</c> comes last.
    /// </summary>
    public void Clear()
    {
        using var _ = Interp.Runtime.Enter("PyThreadState_Clear");

        // _PyObject_ClearFreeLists(freelists, 1): free lists are not modelled.
        Interp.Brc.RemoveThread(this); // _Py_brc_remove_thread(tstate)
        Interp.DelayedFree.AbandonDelayed(this); // _PyMem_AbandonDelayed(tstate)
        Mimalloc.Abandon(); // _PyThreadState_ClearMimallocHeaps(tstate)
        CallOnDelete(); // 3.12 only: tstate->on_delete(tstate->on_delete_data)
    }

    /// <summary>
    /// <c>tstate_delete_common</c>: unlinks the state under <c>HEAD_LOCK</c>, then lets the mechanisms finish, in
    /// <c>pystate.c</c>'s order. The state must be detached or, from <see cref="DeleteCurrent"/>, offline for QSBR.
    /// <c>unbind_tstate</c>, <c>clear_datastack</c> and the GIL release are not modelled.
    /// </summary>
    public void Delete()
    {
        using var _ = Interp.Runtime.Enter("tstate_delete_common");
        Interp.HeadLock.LockDontDetach(); // HEAD_LOCK(runtime)
        Interp.Unlink(this); // tstate->prev->next = tstate->next, ...

        // decrement_stoptheworld_countdown(&interp->stoptheworld) if one is requested: stop-the-world is not modelled.
        Interp.HeadLock.Unlock(); // HEAD_UNLOCK(runtime)
        UnregisterQsbr(); // _Py_qsbr_unregister(tstate)
    }

    /// <summary>
    /// <c>_PyThreadState_DeleteCurrent</c> (<c>Python/pystate.c</c>, 3.13), for a thread deleting its own state at exit:
    /// goes offline for QSBR, stops being the thread's current state (<c>current_fast_clear</c>: later parks by this thread
    /// no longer detach anything), then runs <see cref="Delete"/>.
    /// </summary>
    public void DeleteCurrent()
    {
        using var _ = Interp.Runtime.Enter("_PyThreadState_DeleteCurrent");
        Qsbr?.Detach(); // _Py_qsbr_detach(tstate->qsbr)
        if (ReferenceEquals(Thread.ModelState, this))
        {
            Thread.ModelState = null;
            Thread.RemoveParkHooks(this);
        }

        Delete(); // tstate_delete_common(tstate, 1)
    }

    /// <summary>
    /// <c>PyThreadState_Swap(this)</c> (<c>Python/pystate.c</c>, 3.13): the calling OS thread, which may run in several
    /// interpreters with a thread state in each, detaches its current one and makes this one current and attached.
    /// </summary>
    public void Swap()
    {
        var rt = Interp.Runtime;
        using var _ = rt.Enter($"PyThreadState_Swap({this})");
        rt.Check(ReferenceEquals(rt.CurrentThread, Thread), $"{rt.CurrentThread} swaps in {this}, which belongs to another thread");
        if (Thread.ModelState is PyThreadState old && !ReferenceEquals(old, this) && old.State.Peek() == ThreadStateStatus.Attached)
        {
            old.Detach();
        }

        Thread.ModelState = this;
        Attach();
    }

    /// <inheritdoc/>
    public override string ToString() => Interp.Id == 0 ? $"tstate of {Thread}" : $"tstate of {Thread} in interp {Interp.Id}";

    /// <summary>
    /// <c>bind_tstate</c> (from <c>_PyThreadState_NewBound</c> or <c>_PyThreadState_Bind</c>): the mechanisms whose
    /// per-thread state must be set up from the thread that runs it, in <c>pystate.c</c>'s order.
    /// </summary>
    internal void Bind()
    {
        Brc = new BrcThreadState(this);
        Interp.Brc.InitThread(this); // _Py_brc_init_thread(tstate)
        Mimalloc = new MimallocThreadState(Interp.Mimalloc, this); // tstate_mimalloc_bind(tstate)
    }

    void IParkHooks.BeforeBlock()
    {
        // _PyParkingLot_Park detaches only if attached.
        if (State.Peek() == ThreadStateStatus.Attached)
        {
            _detachedForPark = true;
            Detach();
        }
    }

    void IParkHooks.AfterBlock()
    {
        if (_detachedForPark)
        {
            _detachedForPark = false;
            Attach();
        }
    }

    /// <summary><c>tstate_try_attach</c>: DETACHED to ATTACHED with a CAS.</summary>
    private void TryAttach()
    {
        var expected = ThreadStateStatus.Detached;
        if (!State.CompareExchange(ref expected, ThreadStateStatus.Attached))
        {
            Interp.Runtime.Fail($"{this}: attach from state {ThreadStateStatus.Describe(expected)}");
        }
    }

    /// <summary>
    /// <c>_Py_HandlePending</c> (<c>Python/ceval_gil.c</c>, 3.13): serves the eval breaker's requests in its order. Only
    /// the explicit merge is modelled: clear <c>_PY_EVAL_EXPLICIT_MERGE_BIT</c>, then <c>_Py_brc_merge_refcounts</c>.
    /// </summary>
    private void HandlePending(long breaker)
    {
        // _PY_EVAL_PLEASE_STOP_BIT (stop-the-world), _PY_SIGNALS_PENDING_BIT, _PY_CALLS_TO_DO_BIT: not modelled.
        if ((breaker & EvalBreakerBits.ExplicitMerge) != 0)
        {
            EvalBreaker.FetchAnd(~EvalBreakerBits.ExplicitMerge); // _Py_unset_eval_breaker_bit(tstate, _PY_EVAL_EXPLICIT_MERGE_BIT)
            Interp.Brc.MergeRefcounts(this); // _Py_brc_merge_refcounts(tstate)
        }

        // _PY_GC_SCHEDULED_BIT, _PY_GIL_DROP_REQUEST_BIT, _PY_ASYNC_EXCEPTION_BIT: not modelled.
    }
}
