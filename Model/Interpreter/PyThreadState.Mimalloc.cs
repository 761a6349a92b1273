using Sim.Model.Mimalloc;

namespace Sim.Model.Interpreter;

/// <summary>The thread's mimalloc heaps.</summary>
public sealed partial class PyThreadState
{
    /// <summary><c>tstate-&gt;mimalloc</c>: the four tagged heaps and the QSBR page list, set up by <see cref="Bind"/>.</summary>
    public MimallocThreadState Mimalloc { get; private set; } = null!;
}
