using Sim.Runtime.Cells;
using Sim.Runtime.Threads;

namespace Sim.Model.Interpreter;

/// <summary>
/// <c>PyThreadState</c> / <c>_PyThreadStateImpl</c> (<c>Include/cpython/pystate.h</c>, <c>Include/internal/pycore_tstate.h</c>,
/// <c>Python/pystate.c</c>, 3.13), reduced to what the modelled mechanisms use: the attach state, the eval breaker, the
/// periodic check of the eval loop, and the exit sequence. Each mechanism keeps its per-thread state and its part of
/// these transitions in its own partial file (<c>PyThreadState.Brc.cs</c>, <c>PyThreadState.Qsbr.cs</c>, ...) through the
/// partial methods declared below.
/// </summary>
public sealed partial class PyThreadState : IParkHooks
{
    internal PyThreadState(PyInterpreterState interp, SimThread thread)
    {
        Interp = interp;
        Thread = thread;
        var name = $"tstate[T{thread.Id}]";
        State = new AtomicInt(interp.Runtime, $"{name}.state", ThreadStateStatus.Detached);
        EvalBreaker = new AtomicLong(interp.Runtime, $"{name}.eval_breaker");
        InitializeMechanisms();
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

    /// <summary>True once <see cref="Delete"/> ran: the state is unlinked and must not be used.</summary>
    public bool IsDeleted { get; private set; }

    /// <summary>
    /// <c>_PyThreadState_Attach</c>: marks the state ATTACHED, then lets the mechanisms resume (QSBR goes online).
    /// </summary>
    /// <remarks>Deviation: stop-the-world is not modelled yet, so a SUSPENDED state is never seen here.</remarks>
    public void Attach()
    {
        using var _ = Interp.Runtime.Enter("_PyThreadState_Attach");
        var expected = ThreadStateStatus.Detached;
        if (!State.CompareExchange(ref expected, ThreadStateStatus.Attached))
        {
            Interp.Runtime.Fail($"{this}: attach from state {ThreadStateStatus.Describe(expected)}");
        }

        OnAttach();
    }

    /// <summary>
    /// <c>_PyThreadState_Detach</c>: lets the mechanisms suspend (QSBR goes offline), then marks the state DETACHED.
    /// </summary>
    public void Detach()
    {
        using var _ = Interp.Runtime.Enter("_PyThreadState_Detach");
        OnDetach();
        State.Store(ThreadStateStatus.Detached, MemoryOrder.Release);
    }

    /// <summary>
    /// The eval loop's periodic check (<c>_CHECK_PERIODIC</c> / <c>_Py_HandlePending</c>, <c>Python/ceval_gil.c</c>): reports a
    /// quiescent state and serves the requests set in the eval breaker. Scenario threads call it where Python code would
    /// pass a periodic check, for example between two operations on objects.
    /// </summary>
    public void CheckPeriodic()
    {
        using var _ = Interp.Runtime.Enter("_Py_HandlePending");
        OnPeriodic();
        var breaker = EvalBreaker.Load(MemoryOrder.Relaxed);
        if (breaker != 0)
        {
            HandlePending(breaker);
        }
    }

    /// <summary>
    /// <c>PyThreadState_Clear</c>: the first half of thread exit, with the state still linked. The mechanisms give up
    /// their per-thread resources (biased refcounting leaves the thread, the delayed-free queue goes to the interpreter,
    /// the heaps are abandoned).
    /// </summary>
    public void Clear()
    {
        using var _ = Interp.Runtime.Enter("PyThreadState_Clear");
        OnClear();
    }

    /// <summary>
    /// <c>tstate_delete_common</c>: unlinks the state under <c>HEAD_LOCK</c>, then lets the mechanisms finish (QSBR
    /// unregisters). The state must be detached or about to be discarded.
    /// </summary>
    public void Delete()
    {
        using var _ = Interp.Runtime.Enter("tstate_delete_common");
        Interp.HeadLock.LockDontDetach();
        Interp.Unlink(this);
        OnDeleteUnderHeadLock();
        Interp.HeadLock.Unlock();
        OnDeleted();
        IsDeleted = true;
    }

    /// <summary>
    /// <c>_PyThreadState_DeleteCurrent</c> (<c>Python/pystate.c</c>, 3.13), for a thread deleting its own state at exit:
    /// goes offline for QSBR, stops being the thread's current state (<c>current_fast_clear</c>: later parks by this thread
    /// no longer detach anything), then runs <see cref="Delete"/>.
    /// </summary>
    public void DeleteCurrent()
    {
        using var _ = Interp.Runtime.Enter("_PyThreadState_DeleteCurrent");
        OnDetach();
        if (ReferenceEquals(Thread.ModelState, this))
        {
            Thread.ModelState = null;
            Thread.RemoveParkHooks(this);
        }

        Delete();
    }

    /// <inheritdoc/>
    public override string ToString() => $"tstate of {Thread}";

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

    private bool _detachedForPark;

    /// <summary>Creates the mechanisms' per-thread state.</summary>
    partial void InitializeMechanisms();

    /// <summary>Called at the end of <see cref="Attach"/>.</summary>
    partial void OnAttach();

    /// <summary>Called at the start of <see cref="Detach"/>.</summary>
    partial void OnDetach();

    /// <summary>Called at the start of <see cref="CheckPeriodic"/> (the quiescent state of QSBR).</summary>
    partial void OnPeriodic();

    /// <summary>Serves the eval-breaker bits that are set.</summary>
    partial void HandlePending(long breaker);

    /// <summary>Called by <see cref="Clear"/>.</summary>
    partial void OnClear();

    /// <summary>Called by <see cref="Delete"/> under <c>HEAD_LOCK</c>, after unlinking.</summary>
    partial void OnDeleteUnderHeadLock();

    /// <summary>Called by <see cref="Delete"/> after <c>HEAD_LOCK</c> is released.</summary>
    partial void OnDeleted();
}
