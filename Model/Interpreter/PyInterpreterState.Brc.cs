using Sim.Model.Brc;
using Sim.Model.Objects;

namespace Sim.Model.Interpreter;

/// <summary>Biased reference counting: <c>interp-&gt;brc</c> and the refcount operations.</summary>
public sealed partial class PyInterpreterState
{
    /// <summary><c>interp-&gt;brc</c>: the table of thread states that objects are queued to.</summary>
    public BrcState Brc { get; }

    /// <summary><c>Py_INCREF</c>, <c>Py_DECREF</c>, the merges and the conditional increments.</summary>
    public PyRefcount Refcount { get; }
}
