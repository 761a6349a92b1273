using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Threads;

namespace Sim.Model.Interpreter;

/// <summary>
/// <c>PyInterpreterState</c> (<c>Include/internal/pycore_interp.h</c>, 3.13), reduced to what the modelled mechanisms use:
/// the list of thread states under <c>HEAD_LOCK</c>, and the per-mechanism state each mechanism adds in its own partial
/// file (<c>PyInterpreterState.&lt;Mechanism&gt;.cs</c>). It is the root of the model's object graph for one iteration:
/// created by the scenario inside the iteration, it holds no statics.
/// </summary>
/// <remarks>
/// Deviation: one interpreter, and the runtime-wide state (<c>_PyRuntime</c>) lives here too; <c>HEAD_LOCK</c> is
/// <c>_PyRuntime.interpreters.mutex</c> in CPython.
/// </remarks>
public sealed partial class PyInterpreterState
{
    /// <summary>The linked thread states: replaced whole under <c>HEAD_LOCK</c>, so readers without the lock see a consistent list.</summary>
    private volatile PyThreadState[] _threads = [];

    /// <summary>Creates the interpreter and the main thread's state, attached, on the runtime's main thread.</summary>
    public PyInterpreterState(SimRuntime runtime, ModelConfig? config = null)
    {
        Runtime = runtime;
        Config = config ?? ModelConfig.Cpython313;
        HeadLock = new PyMutex(runtime, "HEAD_LOCK", Config.Locks);
        InitializeMechanisms();
        MainThreadState = NewThreadState(runtime.MainThread);
        MainThreadState.Attach();
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
    /// under <c>HEAD_LOCK</c> (<c>_PyThreadState_New</c>, <c>new_threadstate</c>, <c>Python/pystate.c</c>). The state starts
    /// detached; the thread attaches it when it starts running Python code. Call it from the thread itself, or from its
    /// creator before the thread starts (as <c>ThreadHandle_start</c> does).
    /// </summary>
    public PyThreadState NewThreadState(SimThread thread)
    {
        var tstate = new PyThreadState(this, thread);
        thread.ModelState = tstate;
        thread.AddParkHooks(tstate);
        HeadLock.LockDontDetach();
        _threads = [.. _threads, tstate];
        HeadLock.Unlock();
        return tstate;
    }

    /// <summary>Unlinks a thread state; called by <see cref="PyThreadState.Delete"/> under <c>HEAD_LOCK</c>.</summary>
    internal void Unlink(PyThreadState tstate) => _threads = [.. _threads.Where(t => !ReferenceEquals(t, tstate))];

    /// <summary>Creates the mechanisms' interpreter-wide state; each mechanism's partial file may implement it.</summary>
    partial void InitializeMechanisms();
}
