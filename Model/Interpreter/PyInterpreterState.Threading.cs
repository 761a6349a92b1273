using Sim.Model.Threading;

namespace Sim.Model.Interpreter;

/// <summary>The thread-join mechanism's runtime-wide state.</summary>
public sealed partial class PyInterpreterState
{
    private ThreadHandleList? _threadHandles;

    /// <summary>
    /// <c>_PyRuntime.threads.handles</c> (<c>struct _pythread_runtime_state</c>, <c>Include/internal/pycore_pythread.h</c>):
    /// every live <see cref="ThreadHandle"/>, under <c>HEAD_LOCK</c>. Runtime-wide because <c>fork()</c> affects the whole
    /// process; <c>_PyThread_AfterFork</c> walks it in the child.
    /// </summary>
    /// <remarks>Created on first use, which is <see cref="ThreadingModule.Import"/> on the main thread.</remarks>
    public ThreadHandleList ThreadHandles => _threadHandles ??= new ThreadHandleList(Runtime, "_PyRuntime.threads.handles", HeadLock);

    /// <summary>The <c>threading</c> module once <see cref="ThreadingModule.Import"/> has run, or null.</summary>
    public ThreadingModule? ThreadingOrNull { get; internal set; }
}
