using Sim.Model.Threading;

namespace Sim.Model.Interpreter;

/// <summary>The thread-join mechanism's runtime-wide state.</summary>
public sealed partial class PyInterpreterState
{
    /// <summary><c>_PyRuntime.threads.handles</c>: the runtime's list (<see cref="PyRuntimeState.ThreadHandles"/>).</summary>
    public ThreadHandleList ThreadHandles => RuntimeState.ThreadHandles;

    /// <summary>The <c>threading</c> module once <see cref="ThreadingModule.Import"/> has run, or null.</summary>
    public ThreadingModule? ThreadingOrNull { get; internal set; }
}
