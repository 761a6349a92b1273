using Sim.Model.Brc;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Runtime.Cells;
using Sim.Runtime.Threads;
using CriticalSectionApi = Sim.Model.CriticalSections.CriticalSection;

namespace Sim.Model.Interpreter;

/// <summary>
/// <c>PyThreadState</c> / <c>_PyThreadStateImpl</c> (<c>Include/cpython/pystate.h</c>, <c>Include/internal/pycore_tstate.h</c>,
/// <c>Python/pystate.c</c>, 3.13), reduced to what the modelled mechanisms use: the attach state, the eval breaker, the
/// periodic check of the eval loop, and the exit sequence.
/// </summary>
/// <remarks>
/// The lifecycle functions in this file (<see cref="Bind"/>, <see cref="Attach"/>, <see cref="Detach"/>, <see cref="Suspend"/>,
/// <see cref="CheckPeriodic"/>, <see cref="Clear"/>, <see cref="Delete"/>, <see cref="DeleteCurrent"/>) call each mechanism
/// on its own line, in the order the CPython function does, and name at its place each step that is not modelled yet. A
/// new mechanism joins a lifecycle function by adding its line there (<c>ThreadStateLifecycleTests</c> checks the
/// order). Each mechanism's per-thread state lives in its own partial file (<c>PyThreadState.&lt;Mechanism&gt;.cs</c>) and
/// is created by <see cref="PyInterpreterState.NewThreadState"/>.
/// <para>
/// <see cref="Attach"/> and <c>detach_thread</c> follow <c>_PyThreadState_Attach</c> and <c>detach_thread</c> as read in a
/// 3.14-era <c>Python/pystate.c</c> (no 3.13 copy was at hand): the GIL, the attach CAS, the GIL re-check and QSBR in the
/// loop, the critical-section resume after it; the critical-section suspend first in the detach, the GIL release last.
/// That 3.13 calls <c>_PyCriticalSection_SuspendAll</c> and <c>_PyCriticalSection_Resume</c> at the same places is
/// [version-uncertain]. Their <c>tstate_activate</c>, <c>current_fast_set</c> and <c>current_fast_clear</c> are not modelled.
/// </para>
/// </remarks>
public sealed partial class PyThreadState : IParkHooks
{
    private bool _detachedForPark;

    /// <summary><c>alloc_threadstate</c> and <c>init_threadstate</c>: a DETACHED state with an empty eval breaker.</summary>
    internal PyThreadState(PyInterpreterState interp, SimThread thread)
    {
        Interp = interp;
        Thread = thread;
        var name = interp.Id == 0 ? $"tstate[T{thread.Id}]" : $"tstate[T{thread.Id}@interp{interp.Id}]";
        State = new AtomicInt(interp.Runtime, $"{name}.state", ThreadStateStatus.Detached);
        EvalBreaker = new AtomicLong(interp.Runtime, $"{name}.eval_breaker");
        AsyncExc = new AtomicRef<string>(interp.Runtime, $"{name}.async_exc");
        RefTotal = new AtomicLong(interp.Runtime, $"{name}.reftotal");
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

    /// <summary>
    /// <c>eval_breaker</c>: the request bits of <see cref="EvalBreakerBits"/> (set with atomic OR and cleared with atomic AND,
    /// <see cref="SetEvalBreakerBit"/>) below <see cref="EvalBreakerBits.EventsMask"/>, and the instrumentation version above.
    /// </summary>
    public AtomicLong EvalBreaker { get; }

    /// <summary>
    /// <c>_PyThreadState_Attach</c>: takes the GIL (if it is enabled; <c>take_gil</c> first ends a daemon thread that
    /// attaches once the runtime is finalizing), marks the state ATTACHED (waiting while a stop-the-world keeps it
    /// SUSPENDED), re-checks that the GIL was not enabled meanwhile (else detaches and retries), puts QSBR online, then
    /// resumes the top critical section, in <c>pystate.c</c>'s order.
    /// </summary>
    public void Attach()
    {
        using var _ = Interp.Runtime.Enter("_PyThreadState_Attach");
        for (;;)
        {
            Interp.Ceval.AcquireLock(this); // _PyEval_AcquireLock(tstate): take_gil
            if (!TryAttach())
            {
                WaitAttach(); // tstate_wait_attach(tstate)
            }

            if (Interp.Config.Gil.AttachRechecksGil && Interp.Ceval.IsGilEnabled() && !HoldsGil)
            {
                // The GIL was enabled between _PyEval_AcquireLock() and the attach (it cannot go from enabled to disabled
                // here: only a thread holding the GIL can disable it). Detach and try again.
                State.Store(ThreadStateStatus.Detached); // tstate_set_detached(tstate, _Py_THREAD_DETACHED)
                continue;
            }

            CheckNotAttachedInStoppedWorld();
            Qsbr?.Attach(); // _Py_qsbr_attach(tstate->qsbr)
            break;
        }

        if (!CriticalSection.IsNull)
        {
            CriticalSectionApi.Resume(this); // _PyCriticalSection_Resume(tstate)
        }
    }

    /// <summary><c>_PyThreadState_Detach</c>: <c>detach_thread(tstate, _Py_THREAD_DETACHED)</c>.</summary>
    public void Detach() => DetachThread(ThreadStateStatus.Detached);

    /// <summary>
    /// <c>detach_thread</c>: suspends the critical sections, takes QSBR offline, marks the state
    /// <paramref name="detachedState"/> (DETACHED, or SUSPENDED from <see cref="Suspend"/>), then drops the GIL (if held),
    /// in <c>pystate.c</c>'s order.
    /// </summary>
    private void DetachThread(int detachedState)
    {
        using var _ = Interp.Runtime.Enter("_PyThreadState_Detach");
        CheckAttachedToDetach();
        if (!CriticalSection.IsNull)
        {
            CriticalSectionApi.SuspendAll(this); // _PyCriticalSection_SuspendAll(tstate)
        }

        Qsbr?.Detach(); // _Py_qsbr_detach(tstate->qsbr)
        State.Store(detachedState, MemoryOrder.Release); // tstate_set_detached(tstate, detached_state)
        Interp.Ceval.ReleaseLock(this, finalRelease: false); // _PyEval_ReleaseLock(tstate->interp, tstate, 0): drop_gil
    }

    /// <summary>
    /// The eval loop's periodic check (<c>CHECK_EVAL_BREAKER</c>, <c>Python/ceval_macros.h</c>, 3.13): reports a quiescent
    /// state, then serves the requests set in the eval breaker (<see cref="HandlePending"/>). Scenario threads call it where
    /// Python code would pass a periodic check, for example between two operations on objects.
    /// </summary>
    /// <remarks>
    /// An exception the check raises (an asynchronous exception, where <c>_Py_HandlePending</c> returns -1) is left in
    /// <see cref="RaisedException"/>.
    /// </remarks>
    public void CheckPeriodic()
    {
        using var _ = Interp.Runtime.Enter("_Py_HandlePending");
        Interp.Ceval.Gil.CheckRunsWithGil(this);
        if (Qsbr is { } qsbr)
        {
            qsbr.QuiescentState(); // QSBR_QUIESCENT_STATE(tstate)
            if (Interp.Config.Qsbr.ProcessDelayedAtPeriodicCheck)
            {
                Interp.DelayedFree.ProcessDelayed(this); // _PyMem_ProcessDelayed(tstate), a design option
            }
        }

        var breaker = BreakerWord.Load(MemoryOrder.Relaxed);
        if ((breaker & EvalBreakerBits.EventsMask) != 0)
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
        ClearDict(); // Py_CLEAR(tstate->dict): the destructors of the thread's locals run here

        // _PyObject_ClearFreeLists(freelists, 1): free lists are not modelled.
        Interp.Brc.RemoveThread(this); // _Py_brc_remove_thread(tstate)
        Interp.DelayedFree.AbandonDelayed(this); // _PyMem_AbandonDelayed(tstate)
        Mimalloc.Abandon(); // _PyThreadState_ClearMimallocHeaps(tstate)
        CallOnDelete(); // 3.12 only: tstate->on_delete(tstate->on_delete_data)
    }

    /// <summary>
    /// <c>PyThreadState_Delete</c> (<c>tstate_delete_common(tstate, 0)</c>) for a state that is not the caller's current one;
    /// see <see cref="DeleteCommon"/>. The state must be detached.
    /// </summary>
    public void Delete() => DeleteCommon(releaseGil: false);

    /// <summary>
    /// <c>_PyThreadState_DeleteCurrent</c> (<c>Python/pystate.c</c>, 3.13), for a thread deleting its own state at exit:
    /// goes offline for QSBR, stops being the thread's current state (<c>current_fast_clear</c>: later parks by this thread
    /// no longer detach anything), then runs <see cref="DeleteCommon"/>, which releases the GIL for the last time.
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

        DeleteCommon(releaseGil: true); // tstate_delete_common(tstate, 1)
    }

    /// <summary>
    /// <c>PyThreadState_Swap(this)</c> (<c>Python/pystate.c</c>, 3.13): the calling OS thread, which may run in several
    /// interpreters with a thread state in each, detaches its current one and makes this one current and attached.
    /// </summary>
    /// <exception cref="InvalidOperationException">The state belongs to another thread.</exception>
    public void Swap()
    {
        using var _ = Interp.Runtime.Enter($"PyThreadState_Swap({this})");
        Swap(Interp.Runtime, this);
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
        Mimalloc = MimallocThreadState.Bind(Interp.Mimalloc, this); // tstate_mimalloc_bind(tstate)
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

    /// <summary>
    /// <c>tstate_try_attach</c>: DETACHED to ATTACHED with a CAS; false if a stop-the-world keeps the state SUSPENDED (or,
    /// 3.14, finalization marked it SHUTTING_DOWN).
    /// </summary>
    private bool TryAttach()
    {
        if (Interp.Config.ThreadStates.Attach == AttachProtocol.PlainStore)
        {
            // The default build's tstate_try_attach: assert(state == DETACHED); state = ATTACHED.
            State.Store(ThreadStateStatus.Attached, MemoryOrder.Relaxed);
            CheckNotFreed("tstate_try_attach");
            return true;
        }

        var expected = ThreadStateStatus.Detached;
        var attached = State.CompareExchange(ref expected, ThreadStateStatus.Attached);
        CheckNotFreed("tstate_try_attach"); // the CAS above wrote to the state: was it still allocated?
        if (attached)
        {
            return true;
        }

        if (expected is not (ThreadStateStatus.Suspended or ThreadStateStatus.ShuttingDown))
        {
            Interp.Runtime.Fail($"{this}: attach from state {ThreadStateStatus.Describe(expected)}");
        }

        return false;
    }

    /// <summary>
    /// <c>tstate_delete_common</c>: unlinks the state under <c>HEAD_LOCK</c> (where a stop-the-world request stops waiting for
    /// it and a <c>Py_REF_DEBUG</c> build merges its reference total), then lets the mechanisms finish, in
    /// <c>pystate.c</c>'s order. <c>unbind_tstate</c> and <c>clear_datastack</c> are not modelled.
    /// </summary>
    private void DeleteCommon(bool releaseGil)
    {
        using var _ = Interp.Runtime.Enter("tstate_delete_common");
        var refDebug = Interp.Config.Refcount.RefDebug;
        if (refDebug && Interp.Config.Refcount.RefTotalMerge == RefTotalMerge.BeforeHeadLock)
        {
            Interp.RefTotal.MergeThread(this); // broken: the merge outside HEAD_LOCK
        }

        Interp.HeadLock.LockDontDetach(); // HEAD_LOCK(runtime)
        Interp.Unlink(this); // tstate->prev->next = tstate->next, ...
        LeaveStopTheWorldCountdowns(); // if (tstate->state != _Py_THREAD_SUSPENDED) decrement_stoptheworld_countdown(...)
        if (refDebug && Interp.Config.Refcount.RefTotalMerge == RefTotalMerge.UnderHeadLock)
        {
            Interp.RefTotal.MergeThread(this); // interp->object_state.reftotal += tstate_impl->reftotal
        }

        Interp.HeadLock.Unlock(); // HEAD_UNLOCK(runtime)
        if (releaseGil)
        {
            Interp.Ceval.ReleaseLock(this, finalRelease: true); // _PyEval_ReleaseLock(tstate->interp, tstate, 1)
        }

        UnregisterQsbr(); // _Py_qsbr_unregister(tstate)
    }

    /// <summary>
    /// <c>_Py_HandlePending</c> (<c>Python/ceval_gil.c</c>, 3.13): serves the eval breaker's requests in its order: a
    /// stop-the-world request (clear <c>_PY_EVAL_PLEASE_STOP_BIT</c>, <c>_PyThreadState_Suspend</c>, then
    /// <c>_PyThreadState_Attach</c>, which waits until the world restarts), the explicit merge, a scheduled collection, the
    /// GIL drop request, an asynchronous exception.
    /// </summary>
    private void HandlePending(long breaker)
    {
        if ((breaker & EvalBreakerBits.PleaseStop) != 0)
        {
            UnsetEvalBreakerBit(EvalBreakerBits.PleaseStop); // _Py_unset_eval_breaker_bit(tstate, _PY_EVAL_PLEASE_STOP_BIT)
            Suspend(); // _PyThreadState_Suspend(tstate)
            Attach(); // the attach blocks until the stop-the-world event is complete
        }

        // _PY_SIGNALS_PENDING_BIT, _PY_CALLS_TO_DO_BIT: not modelled.
        if ((breaker & EvalBreakerBits.ExplicitMerge) != 0)
        {
            UnsetEvalBreakerBit(EvalBreakerBits.ExplicitMerge); // _Py_unset_eval_breaker_bit(tstate, _PY_EVAL_EXPLICIT_MERGE_BIT)
            Interp.Brc.MergeRefcounts(this); // _Py_brc_merge_refcounts(tstate)
        }

        if ((breaker & EvalBreakerBits.GcScheduled) != 0)
        {
            UnsetEvalBreakerBit(EvalBreakerBits.GcScheduled); // _Py_unset_eval_breaker_bit(tstate, _PY_GC_SCHEDULED_BIT)
            Interp.Gc.RunGc(this); // _Py_RunGC(tstate)
        }

        if ((breaker & EvalBreakerBits.GilDropRequest) != 0)
        {
            // Give another thread a chance.
            Detach(); // _PyThreadState_Detach(tstate)
            Attach(); // _PyThreadState_Attach(tstate)
        }

        if ((breaker & EvalBreakerBits.AsyncException) != 0)
        {
            HandleAsyncExc(); // _Py_unset_eval_breaker_bit(tstate, _PY_ASYNC_EXCEPTION_BIT), then raise tstate->async_exc
        }
    }
}
