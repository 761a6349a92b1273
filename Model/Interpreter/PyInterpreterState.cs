using Sim.Model.Brc;
using Sim.Model.Ceval;
using Sim.Model.Gc;
using Sim.Model.Locks;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Model.Qsbr;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Runtime.Threads;

namespace Sim.Model.Interpreter;

/// <summary>
/// <c>PyInterpreterState</c> (<c>Include/internal/pycore_interp.h</c>, 3.13), reduced to what the modelled mechanisms use:
/// the list of thread states under <c>HEAD_LOCK</c>, and the per-mechanism state each mechanism declares in its own
/// partial file (<c>PyInterpreterState.&lt;Mechanism&gt;.cs</c>) and the constructor creates. The first interpreter of a
/// simulated process is the main one and creates the runtime (<see cref="PyRuntimeState"/>); more interpreters share it.
/// Created by the scenario inside the iteration, it holds no statics. Sub-interpreters: <see cref="NewSubinterpreter"/>.
/// </summary>
public sealed partial class PyInterpreterState
{
    /// <summary>The linked thread states: replaced whole under <c>HEAD_LOCK</c>, so readers without the lock see a consistent list.</summary>
    private volatile PyThreadState[] _threads = [];

    /// <summary>
    /// Creates the runtime and its main interpreter, with the main thread's state, attached, on the runtime's main thread.
    /// The mechanisms' interpreter state is created in CPython's order: what <c>_PyInterpreterState_INIT</c> initialises
    /// statically (<c>interp-&gt;mimalloc</c>, <c>interp-&gt;qsbr</c>), then what <c>init_interpreter</c>
    /// (<c>Python/pystate.c</c>, 3.13) initialises; the model's allocation and refcount operations come last.
    /// </summary>
    public PyInterpreterState(SimRuntime runtime, ModelConfig? config = null)
        : this(null, runtime, config ?? ModelConfig.Cpython313)
    {
    }

    /// <summary>
    /// <c>Py_NewInterpreterFromConfig</c> (<c>new_interpreter</c>, <c>Python/pylifecycle.c</c>, 3.13), on the calling thread:
    /// a new interpreter in <paramref name="runtime"/>, and a thread state for the calling thread, which becomes its
    /// current one (<c>PyThreadState_Swap</c>: the thread's previous state, if attached, detaches). The new interpreter
    /// has its own memory and its own configuration.
    /// </summary>
    public PyInterpreterState(PyRuntimeState runtime, ModelConfig? config = null)
        : this(runtime, config, PyInterpreterConfig.Isolated)
    {
    }

    /// <summary>
    /// <c>Py_NewInterpreterFromConfig</c> with the interpreter settings <paramref name="settings"/>
    /// (<c>init_interp_settings</c>); otherwise as <see cref="PyInterpreterState(PyRuntimeState, ModelConfig?)"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">CPython refuses the settings (its <c>PyStatus</c> error message).</exception>
    public PyInterpreterState(PyRuntimeState runtime, ModelConfig? config, PyInterpreterConfig settings)
        : this(runtime ?? throw new ArgumentNullException(nameof(runtime)), runtime.Runtime, config ?? runtime.Config, settings)
    {
    }

    /// <summary>
    /// <c>Py_NewInterpreterFromConfig</c> on the calling thread, in <paramref name="main"/>'s runtime: the same as
    /// <c>new PyInterpreterState(main.RuntimeState, config, settings)</c>. Each interpreter has its own mechanisms' state,
    /// <c>interp-&gt;mimalloc</c> included (its abandoned pool, gh-112532, unless the design shares the main one:
    /// <see cref="AbandonedPoolScope"/>), whatever <see cref="PyInterpreterConfig.UseMainObmalloc"/> says: that switch
    /// selects pymalloc's state, which the free-threaded build does not allocate from (<see cref="UsesMainObmalloc"/>).
    /// </summary>
    public static PyInterpreterState NewSubinterpreter(PyInterpreterState main, ModelConfig? config = null, PyInterpreterConfig? settings = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        using var _ = main.Runtime.Enter("Py_NewInterpreterFromConfig");
        return new PyInterpreterState(main.RuntimeState, config ?? main.Config, settings ?? PyInterpreterConfig.Isolated);
    }

    private PyInterpreterState(PyRuntimeState? runtimeState, SimRuntime runtime, ModelConfig config, PyInterpreterConfig? settings = null)
    {
        Runtime = runtime;
        Config = config;
        RuntimeState = runtimeState ?? new PyRuntimeState(runtime, config);
        Id = RuntimeState.InterpretersForCheck.Count;
        settings ??= PyInterpreterConfig.Isolated;
        if (settings.SettingsError(isMain: Id == 0) is { } error)
        {
            throw new InvalidOperationException($"Py_NewInterpreterFromConfig: {error}");
        }

        // init_interp_settings: the main interpreter is created with the legacy settings (use_main_obmalloc = 1).
        UsesMainObmalloc = Id == 0 || settings.UseMainObmalloc;
        var name = Id == 0 ? "interp" : $"interp{Id}";
        StopTheWorldState = new StopTheWorldState(RuntimeState, this, $"{name}.stoptheworld");
        Finalizing = new AtomicRef<PyThreadState>(runtime, $"{name}._finalizing");
        AtExit = new AtExitCallbacks();
        Mimalloc = new MimallocInterpState(this, runtimeState?.MainInterpreter.Mimalloc); // interp->mimalloc
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
        RuntimeState.AddInterpreter(this);
        if (runtimeState is null)
        {
            MainThreadState = NewThreadState(runtime.MainThread);
            MainThreadState.Attach();
        }
        else
        {
            MainThreadState = NewThreadState(runtime.CurrentThread);
            PyThreadState.Swap(runtime, MainThreadState);
        }
    }

    /// <summary>
    /// <c>_PyInterpreterState_HasFeature(interp, Py_RTFLAGS_USE_MAIN_OBMALLOC)</c>: <c>_PyMem_init_obmalloc</c> points
    /// <c>interp-&gt;obmalloc</c> at the main interpreter's pymalloc state instead of a new one. In the free-threaded build
    /// <c>PyMem_Malloc</c> and <c>PyObject_Malloc</c> go to mimalloc, whose state (<see cref="Mimalloc"/>, the thread states'
    /// heaps) is the interpreter's own either way, so the flag changes no allocation in the model. [version-uncertain: read in
    /// an <c>Objects/obmalloc.c</c> of 3.13 or later; see <c>docs/interpreters.md</c>.]
    /// </summary>
    public bool UsesMainObmalloc { get; }

    /// <summary>The main interpreter (<c>_PyInterpreterState_Main()</c>): this one, or the first of its runtime.</summary>
    public PyInterpreterState Main => RuntimeState.MainInterpreter;

    /// <summary>The simulated process the interpreter runs in.</summary>
    public SimRuntime Runtime { get; }

    /// <summary>The runtime (<c>interp-&gt;runtime</c>, <c>_PyRuntime</c>) that every interpreter of the process shares.</summary>
    public PyRuntimeState RuntimeState { get; }

    /// <summary><c>interp-&gt;id</c>: 0 for the main interpreter, then 1, 2, ... in creation order.</summary>
    public int Id { get; }

    /// <summary>The designs the mechanisms follow.</summary>
    public ModelConfig Config { get; }

    /// <summary><c>HEAD_LOCK</c>: the runtime's <c>interpreters.mutex</c>; guards every interpreter's thread-state list (taken without detaching).</summary>
    public PyMutex HeadLock => RuntimeState.HeadLock;

    /// <summary><c>interp-&gt;ceval</c>: the GIL, the instrumentation version, the eval breaker of the per-interpreter design.</summary>
    public CevalState Ceval { get; }

    /// <summary><c>interp-&gt;gc</c>: the allocation count and <c>collecting</c>.</summary>
    public GcState Gc { get; }

    /// <summary><c>interp-&gt;object_state.reftotal</c> and the reference totals of a <c>Py_REF_DEBUG</c> build.</summary>
    public RefTotal RefTotal { get; }

    /// <summary>
    /// The state that created the interpreter: the main thread's for the main interpreter, the creating thread's for
    /// another.
    /// </summary>
    public PyThreadState MainThreadState { get; }

    /// <summary>The thread states linked into the interpreter, read without locking (for checks and reports).</summary>
    public IReadOnlyList<PyThreadState> ThreadStatesForCheck => _threads;

    /// <summary>
    /// The calling simulated thread's state in this interpreter (<c>_PyThreadState_GET</c>): its current state if that
    /// belongs here, else the one it has in this interpreter (a thread may have one state per interpreter).
    /// </summary>
    /// <exception cref="InvalidOperationException">The thread has no state in this interpreter.</exception>
    public PyThreadState CurrentThreadState
    {
        get
        {
            var me = Runtime.CurrentThread;
            if (me.ModelState is PyThreadState current && ReferenceEquals(current.Interp, this))
            {
                return current;
            }

            return _threads.FirstOrDefault(t => ReferenceEquals(t.Thread, me))
                ?? throw new InvalidOperationException($"{me} has no thread state in {this}: create one with NewThreadState");
        }
    }

    /// <summary>
    /// Creates a thread state for <paramref name="thread"/>, binds it to the thread, and links it into the interpreter
    /// under <c>HEAD_LOCK</c> (<c>_PyThreadState_NewBound</c>: <c>new_threadstate</c> then <c>bind_tstate</c>,
    /// <c>Python/pystate.c</c>, 3.13). The state starts detached, or suspended while a stop-the-world is requested; the
    /// thread attaches it when it starts running Python code. Call it from the thread itself, or from its creator before
    /// the thread starts (as <c>ThreadHandle_start</c> does). A thread may have one state per interpreter; the first
    /// becomes its current one (the gilstate).
    /// </summary>
    /// <remarks>
    /// Deviation: the mechanisms' per-thread state is created before the state is linked. CPython reserves the QSBR slot
    /// before <c>HEAD_LOCK</c>, registers it after <c>HEAD_UNLOCK</c>, and binds (<see cref="PyThreadState.Bind"/>) after
    /// <c>new_threadstate</c> returns, on the thread that runs it.
    /// </remarks>
    public PyThreadState NewThreadState(SimThread thread)
    {
        ArgumentNullException.ThrowIfNull(thread);
        var tstate = new PyThreadState(this, thread);
        if (Config.Lifecycle.DaemonThreads == DaemonThreadsAtFinalization.HangWhenShuttingDown)
        {
            tstate.InitRefcount(); // 3.14: tstate->refcount = 2
        }

        tstate.Qsbr = Qsbr.Register(tstate); // _Py_qsbr_reserve(interp), _Py_qsbr_register(tstate, interp, qsbr_idx)
        tstate.Bind(); // bind_tstate(tstate)
        thread.ModelState ??= tstate; // bind_gilstate_tstate if the thread has none
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

        tstate.InitStateDuringStop(); // init_threadstate: SUSPENDED if a stop-the-world is requested
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

    /// <inheritdoc/>
    public override string ToString() => Id == 0 ? "the main interpreter" : $"interpreter {Id}";

    /// <summary>Unlinks a thread state; called by <see cref="PyThreadState.Delete"/> under <c>HEAD_LOCK</c>.</summary>
    internal void Unlink(PyThreadState tstate) => _threads = [.. _threads.Where(t => !ReferenceEquals(t, tstate))];
}
