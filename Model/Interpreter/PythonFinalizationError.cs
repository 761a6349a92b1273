using System.Diagnostics.CodeAnalysis;

namespace Sim.Model.Interpreter;

/// <summary>
/// <c>PythonFinalizationError</c> (a <c>RuntimeError</c>; PR #115352, gh-114570, 3.13): an operation refused because the
/// interpreter is finalizing: starting a thread (<c>_thread.start_new_thread</c>, <c>_thread.start_joinable_thread</c>),
/// <c>os.fork()</c>. A model exception stands for a Python exception: a scenario thread that lets one escape is reported
/// as a finding.
/// </summary>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "Named after CPython's PythonFinalizationError.")]
public sealed class PythonFinalizationError : Exception
{
    /// <summary>Creates the error with CPython's message.</summary>
    public PythonFinalizationError(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with a generic message.</summary>
    public PythonFinalizationError()
        : base("operation blocked during Python finalization")
    {
    }

    /// <summary>Creates the error with a message and an inner exception.</summary>
    public PythonFinalizationError(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
