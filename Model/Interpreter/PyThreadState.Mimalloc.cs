using Sim.Model.Mimalloc;

namespace Sim.Model.Interpreter;

/// <summary>The thread's mimalloc heaps: <c>tstate-&gt;mimalloc</c>.</summary>
public sealed partial class PyThreadState
{
    /// <summary><c>tstate-&gt;mimalloc</c>: the four tagged heaps and the QSBR page list.</summary>
    public MimallocThreadState Mimalloc { get; private set; } = null!;
}
