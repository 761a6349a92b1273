using Sim.Model.Locks;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Interpreter;

/// <summary>
/// <c>_PyRuntimeState</c> (<c>_PyRuntime</c>; <c>Include/internal/pycore_runtime.h</c>, <c>Python/pystate.c</c>, 3.13),
/// reduced to what the modelled mechanisms use: <c>HEAD_LOCK</c> (<c>interpreters.mutex</c>), the list of interpreters,
/// the runtime-wide stop-the-world (<c>stoptheworld</c>, <c>stoptheworld_mutex</c>), the list of thread handles
/// (<c>threads.handles</c>) and <c>_finalizing</c>. Every <see cref="PyInterpreterState"/> of one simulated process
/// shares it; the first one created is the main interpreter and creates it.
/// </summary>
/// <remarks>
/// Deviation: each interpreter keeps its own memory (mimalloc heaps, allocator, QSBR, BRC), as CPython 3.13's
/// interpreters with their own obmalloc state do; interpreter isolation of memory is not modelled further (issue 7).
/// </remarks>
public sealed partial class PyRuntimeState
{
    /// <summary>The interpreters, oldest first: replaced whole under <c>HEAD_LOCK</c>.</summary>
    private volatile PyInterpreterState[] _interpreters = [];
    private ThreadHandleList? _threadHandles;

    /// <summary><c>_PyRuntimeState_Init</c>, with the designs of the main interpreter's configuration.</summary>
    internal PyRuntimeState(SimRuntime runtime, ModelConfig config)
    {
        Runtime = runtime;
        Config = config;
        HeadLock = new PyMutex(runtime, "HEAD_LOCK", config.Locks);
        StopTheWorldMutex = new PyRWMutex(runtime, "_PyRuntime.stoptheworld_mutex");
        StopTheWorldState = new StopTheWorldState(this, interp: null, "_PyRuntime.stoptheworld");
        Finalizing = new AtomicRef<PyThreadState>(runtime, "_PyRuntime._finalizing");
    }

    /// <summary>The simulated process the runtime lives in.</summary>
    public SimRuntime Runtime { get; }

    /// <summary>The main interpreter's configuration, whose designs the runtime-wide mechanisms follow.</summary>
    public ModelConfig Config { get; }

    /// <summary><c>HEAD_LOCK</c>: <c>_PyRuntime.interpreters.mutex</c>, taken without detaching.</summary>
    public PyMutex HeadLock { get; }

    /// <summary>The interpreters, read without locking (for checks, and for walks under <c>HEAD_LOCK</c>).</summary>
    public IReadOnlyList<PyInterpreterState> InterpretersForCheck => _interpreters;

    /// <summary>The main interpreter (<c>_PyRuntime.interpreters.main</c>).</summary>
    public PyInterpreterState MainInterpreter => _interpreters[0];

    /// <summary>
    /// <c>_PyRuntime.threads.handles</c> (<c>struct _pythread_runtime_state</c>, <c>Include/internal/pycore_pythread.h</c>):
    /// every live <see cref="ThreadHandle"/>, under <c>HEAD_LOCK</c>. Runtime-wide because <c>fork()</c> affects the whole
    /// process; <c>_PyThread_AfterFork</c> walks it in the child.
    /// </summary>
    /// <remarks>Created on first use, which is <see cref="ThreadingModule.Import"/> on the main thread.</remarks>
    public ThreadHandleList ThreadHandles => _threadHandles ??= new ThreadHandleList(Runtime, "_PyRuntime.threads.handles", HeadLock);

    internal LockDesign LockDesign => Config.Locks;

    internal ThreadStateDesign ThreadStateDesign => Config.ThreadStates;

    /// <summary>
    /// Links a new interpreter (<c>_PyInterpreterState_New</c>'s part under <c>HEAD_LOCK</c>). The main interpreter is
    /// linked while it is the only one, before any other thread exists, without the lock.
    /// </summary>
    internal void AddInterpreter(PyInterpreterState interp)
    {
        if (_interpreters.Length == 0)
        {
            _interpreters = [interp];
            return;
        }

        HeadLock.LockDontDetach();
        _interpreters = [.. _interpreters, interp];
        HeadLock.Unlock();
    }
}
