using Sim.Model.Brc;
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
/// Deviation: the runtime-wide state (<c>_PyRuntime</c>) lives here too, once per interpreter; <c>HEAD_LOCK</c> is
/// <c>_PyRuntime.interpreters.mutex</c> in CPython. Sub-interpreters: <see cref="NewSubinterpreter"/>.
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
        : this(runtime, config, main: null, runtime.MainThread)
    {
    }

    private PyInterpreterState(SimRuntime runtime, ModelConfig? config, PyInterpreterState? main, SimThread thread)
    {
        Runtime = runtime;
        Config = config ?? ModelConfig.Cpython313;
        Main = main ?? this;
        Id = main is null ? 0 : ++main._lastId;
        HeadLock = new PyMutex(runtime, $"HEAD_LOCK(interp {Id})", Config.Locks);
        Mimalloc = new MimallocInterpState(this, main?.Mimalloc); // interp->mimalloc
        Qsbr = new QsbrShared(this, Config.Qsbr); // interp->qsbr

        // init_interpreter:
        Brc = new BrcState(this); // _Py_brc_init_state(interp)
        DelayedFree = new DelayedFree(this); // llist_init(&interp->mem_free_queue.head)

        Objects = new PyObjectAllocator(this);
        Mem = new PyMem(this);
        Refcount = new PyRefcount(this);
        MainThreadState = NewThreadState(thread);
        MainThreadState.Attach();
    }

    /// <summary><c>interp-&gt;id</c>: 0 for the main interpreter, then 1, 2, ... in creation order.</summary>
    public long Id { get; }

    /// <summary>The main interpreter (<c>_PyInterpreterState_Main()</c>): this one, or the one a sub-interpreter was created from.</summary>
    public PyInterpreterState Main { get; }

    private long _lastId;

    /// <summary>
    /// <c>Py_NewInterpreterFromConfig</c> (<c>Python/pylifecycle.c</c>, 3.13), called on the current thread: the thread's
    /// current thread state (of any interpreter) is swapped out (<c>PyThreadState_Swap(NULL)</c>: detached), and a new
    /// interpreter is created with a thread state for the same OS thread, attached and current. The thread then runs in
    /// several interpreters, switching with <see cref="PyThreadState.Swap"/>. Each interpreter has its own mechanisms'
    /// state, <c>interp-&gt;mimalloc</c> included (its abandoned pool, gh-112532, unless the design shares the main one:
    /// <see cref="AbandonedPoolScope"/>).
    /// </summary>
    /// <remarks>
    /// Deviations: <c>_PyRuntime</c>'s shared state is not modelled (each interpreter has its own <c>HEAD_LOCK</c> and
    /// arena); <c>use_main_obmalloc</c> is not modelled (the free-threaded build allocates through mimalloc; pymalloc's state
    /// is unused).
    /// </remarks>
    public static PyInterpreterState NewSubinterpreter(PyInterpreterState main, ModelConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        var rt = main.Runtime;
        using var _ = rt.Enter("Py_NewInterpreterFromConfig");
        if (rt.CurrentThread.ModelState is PyThreadState { } current && current.State.Peek() == ThreadStateStatus.Attached)
        {
            current.Detach(); // save_tstate = PyThreadState_Swap(NULL)
        }

        return new PyInterpreterState(rt, config ?? main.Config, main, rt.CurrentThread);
    }

    /// <summary>The runtime the interpreter runs on.</summary>
    public SimRuntime Runtime { get; }

    /// <summary>The designs the mechanisms follow.</summary>
    public ModelConfig Config { get; }

    /// <summary><c>HEAD_LOCK</c>: guards the thread-state list (taken without detaching).</summary>
    public PyMutex HeadLock { get; }

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
        HeadLock.LockDontDetach();
        _threads = [.. _threads, tstate];
        HeadLock.Unlock();
        return tstate;
    }

    /// <summary>Unlinks a thread state; called by <see cref="PyThreadState.Delete"/> under <c>HEAD_LOCK</c>.</summary>
    internal void Unlink(PyThreadState tstate) => _threads = [.. _threads.Where(t => !ReferenceEquals(t, tstate))];
}
