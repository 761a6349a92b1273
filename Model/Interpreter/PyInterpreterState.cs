using Sim.Model.Brc;
using Sim.Model.Ceval;
using Sim.Model.Gc;
using Sim.Model.Locks;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Model.Qsbr;
using Sim.Runtime;
using Sim.Runtime.Threads;

namespace Sim.Model.Interpreter;

/// <summary>
/// <c>PyInterpreterState</c> (<c>Include/internal/pycore_interp.h</c>, 3.13), reduced to what the modelled mechanisms use:
/// the list of thread states under <c>HEAD_LOCK</c>, and the per-mechanism state each mechanism declares in its own
/// partial file (<c>PyInterpreterState.&lt;Mechanism&gt;.cs</c>) and the constructor creates. It is the root of the model's
/// object graph for one iteration: created by the scenario inside the iteration, it holds no statics.
/// </summary>
/// <remarks>
/// Deviation: one interpreter, and the runtime-wide state (<c>_PyRuntime</c>) lives here too; <c>HEAD_LOCK</c> is
/// <c>_PyRuntime.interpreters.mutex</c> in CPython.
/// </remarks>
public sealed partial class PyInterpreterState
{
    /// <summary>The linked thread states: replaced whole under <c>HEAD_LOCK</c>, so readers without the lock see a consistent list.</summary>
    private volatile PyThreadState[] _threads = [];

    /// <summary>
    /// Creates the interpreter and the main thread's state, attached, on the runtime's main thread. The mechanisms'
    /// interpreter state is created in CPython's order: what <c>_PyInterpreterState_INIT</c> initialises statically
    /// (<c>interp-&gt;mimalloc</c>, <c>interp-&gt;qsbr</c>), then what <c>init_interpreter</c> (<c>Python/pystate.c</c>, 3.13)
    /// initialises; the model's allocation and refcount operations come last.
    /// </summary>
    public PyInterpreterState(SimRuntime runtime, ModelConfig? config = null)
    {
        Runtime = runtime;
        Config = config ?? ModelConfig.Cpython313;
        HeadLock = new PyMutex(runtime, "HEAD_LOCK", Config.Locks);
        Mimalloc = new MimallocInterpState(this); // interp->mimalloc
        Qsbr = new QsbrShared(this, Config.Qsbr); // interp->qsbr

        // init_interpreter:
        Ceval = new CevalState(this); // _PyEval_InitState(interp), then init_own_gil at the GIL's creation
        Gc = new GcState(this); // _PyGC_InitState(&interp->gc)
        Brc = new BrcState(this); // _Py_brc_init_state(interp)
        DelayedFree = new DelayedFree(this); // llist_init(&interp->mem_free_queue.head)

        Objects = new PyObjectAllocator(this);
        Mem = new PyMem(this);
        Refcount = new PyRefcount(this);
        RefTotal = new RefTotal(this);
        StopTheWorldState = new StopTheWorldStandIn(this);
        MainThreadState = NewThreadState(runtime.MainThread);
        MainThreadState.Attach();
    }

    /// <summary>The runtime the interpreter runs on.</summary>
    public SimRuntime Runtime { get; }

    /// <summary>The designs the mechanisms follow.</summary>
    public ModelConfig Config { get; }

    /// <summary><c>HEAD_LOCK</c>: guards the thread-state list (taken without detaching).</summary>
    public PyMutex HeadLock { get; }

    /// <summary><c>interp-&gt;ceval</c>: the GIL, the instrumentation version, the eval breaker of the per-interpreter design.</summary>
    public CevalState Ceval { get; }

    /// <summary><c>interp-&gt;gc</c>: the allocation count and <c>collecting</c>.</summary>
    public GcState Gc { get; }

    /// <summary><c>interp-&gt;object_state.reftotal</c> and the reference totals of a <c>Py_REF_DEBUG</c> build.</summary>
    public RefTotal RefTotal { get; }

    /// <summary>The stop-the-world state the GIL's transient enable uses (a stand-in: see <see cref="StopTheWorldStandIn"/>).</summary>
    public StopTheWorldStandIn StopTheWorldState { get; }

    /// <summary>The main thread's state.</summary>
    public PyThreadState MainThreadState { get; }

    /// <summary>The thread states linked into the interpreter, read without locking (for checks and reports).</summary>
    public IReadOnlyList<PyThreadState> ThreadStatesForCheck => _threads;

    /// <summary>The thread state of the calling simulated thread (<c>_PyThreadState_GET</c>).</summary>
    public PyThreadState CurrentThreadState =>
        Runtime.CurrentThread.ModelState as PyThreadState
        ?? throw new InvalidOperationException($"{Runtime.CurrentThread} has no thread state: create one with NewThreadState");

    /// <summary>
    /// Creates a thread state for <paramref name="thread"/>, binds it to the thread, and links it into the interpreter
    /// under <c>HEAD_LOCK</c> (<c>_PyThreadState_NewBound</c>: <c>new_threadstate</c> then <c>bind_tstate</c>,
    /// <c>Python/pystate.c</c>, 3.13). The state starts detached; the thread attaches it when it starts running Python
    /// code. Call it from the thread itself, or from its creator before the thread starts (as <c>ThreadHandle_start</c>
    /// does).
    /// </summary>
    /// <remarks>
    /// Deviation: the mechanisms' per-thread state is created before the state is linked. CPython reserves the QSBR slot
    /// before <c>HEAD_LOCK</c>, registers it after <c>HEAD_UNLOCK</c>, and binds (<see cref="PyThreadState.Bind"/>) after
    /// <c>new_threadstate</c> returns, on the thread that runs it.
    /// </remarks>
    public PyThreadState NewThreadState(SimThread thread)
    {
        var tstate = new PyThreadState(this, thread);
        tstate.Qsbr = Qsbr.Register(tstate); // _Py_qsbr_reserve(interp), _Py_qsbr_register(tstate, interp, qsbr_idx)
        tstate.Bind(); // bind_tstate(tstate)
        thread.ModelState = tstate;
        thread.AddParkHooks(tstate);
        var versionUnderLock = Config.Ceval.NewThreadVersion == NewThreadVersionCopy.UnderHeadLock;
        if (!versionUnderLock)
        {
            Ceval.CopyVersionInto(tstate); // broken: the version copied before HEAD_LOCK
        }

        HeadLock.LockDontDetach();
        if (versionUnderLock)
        {
            Ceval.CopyVersionInto(tstate); // init_threadstate: tstate->eval_breaker = interp->ceval.instrumentation_version
        }

        StopTheWorldState.OnNewThreadState(tstate); // start SUSPENDED if a stop-the-world is ongoing
        _threads = [.. _threads, tstate]; // add_threadstate
        HeadLock.Unlock();
        return tstate;
    }

    /// <summary>
    /// <c>PyThreadState_SetAsyncExc(id, exc)</c> (<c>Python/pystate.c</c>, 3.13): under <c>HEAD_LOCK</c>, find the thread
    /// state of thread <paramref name="threadId"/>; after the lock, exchange <paramref name="exc"/> into its
    /// <c>async_exc</c> and set <c>_PY_ASYNC_EXCEPTION_BIT</c> in its eval breaker. Returns how many states it changed.
    /// </summary>
    public int SetAsyncExc(long threadId, string exc)
    {
        using var _ = Runtime.Enter("PyThreadState_SetAsyncExc");
        HeadLock.LockDontDetach();
        var target = _threads.FirstOrDefault(t => t.ThreadId == threadId);
        HeadLock.Unlock();
        if (target is null)
        {
            return 0;
        }

        target.AsyncExc.Exchange(exc); // _Py_atomic_exchange_ptr(&tstate->async_exc, exc)
        target.SetEvalBreakerBit(EvalBreakerBits.AsyncException); // _Py_set_eval_breaker_bit(tstate, _PY_ASYNC_EXCEPTION_BIT)
        return 1;
    }

    /// <summary>
    /// <c>_PyEval_StopTheWorldAll(&amp;_PyRuntime)</c>: returns once every other thread state is suspended (see
    /// <see cref="StopTheWorldStandIn"/>: with one interpreter, the same as <see cref="StopTheWorld"/>).
    /// </summary>
    public void StopTheWorldAll() => StopTheWorldState.Stop();

    /// <summary><c>_PyEval_StartTheWorldAll(&amp;_PyRuntime)</c>.</summary>
    public void StartTheWorldAll() => StopTheWorldState.Start();

    /// <summary><c>_PyEval_StopTheWorld(interp)</c>.</summary>
    public void StopTheWorld() => StopTheWorldState.Stop();

    /// <summary><c>_PyEval_StartTheWorld(interp)</c>.</summary>
    public void StartTheWorld() => StopTheWorldState.Start();

    /// <summary>Unlinks a thread state; called by <see cref="PyThreadState.Delete"/> under <c>HEAD_LOCK</c>.</summary>
    internal void Unlink(PyThreadState tstate) => _threads = [.. _threads.Where(t => !ReferenceEquals(t, tstate))];
}
