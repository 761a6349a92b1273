using Sim.Model.Brc;

namespace Sim.Model.Interpreter;

/// <summary>Biased reference counting's per-thread state.</summary>
public sealed partial class PyThreadState
{
    /// <summary><c>tstate-&gt;brc</c>, set up by <see cref="Bind"/>.</summary>
    public BrcThreadState Brc { get; private set; } = null!;
}
