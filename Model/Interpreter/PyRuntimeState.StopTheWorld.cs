using Sim.Model.Locks;

namespace Sim.Model.Interpreter;

/// <summary>The runtime-wide stop-the-world (<c>Python/pystate.c</c>, 3.13).</summary>
public sealed partial class PyRuntimeState
{
    /// <summary><c>_PyRuntime.stoptheworld</c>: pauses every thread of every interpreter.</summary>
    public StopTheWorldState StopTheWorldState { get; }

    /// <summary>
    /// <c>_PyRuntime.stoptheworld_mutex</c>: a global stop holds it as a writer, a per-interpreter stop as a reader, so the
    /// two kinds never overlap.
    /// </summary>
    public PyRWMutex StopTheWorldMutex { get; }

    /// <summary>
    /// <c>_PyEval_StopTheWorldAll</c>: pauses every other thread of every interpreter; returns once each is SUSPENDED.
    /// Call it attached (the caller is the requester and is not counted), and end the pause with
    /// <see cref="StartTheWorldAll"/>.
    /// </summary>
    public void StopTheWorldAll() => StopTheWorldState.StopTheWorld();

    /// <summary><c>_PyEval_StartTheWorldAll</c>: lets every thread paused by <see cref="StopTheWorldAll"/> attach again.</summary>
    public void StartTheWorldAll() => StopTheWorldState.StartTheWorld();
}
