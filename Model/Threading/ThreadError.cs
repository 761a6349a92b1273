using System.Diagnostics.CodeAnalysis;

namespace Sim.Model.Threading;

/// <summary>
/// <c>_thread.error</c> / <c>RuntimeError</c> raised by the modelled thread API ("Cannot join current thread", "thread not
/// started", "release unlocked lock"). A model exception stands for a Python exception: a scenario thread that lets one
/// escape is reported as a finding.
/// </summary>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "Named after CPython's _thread.error.")]
public sealed class ThreadError : Exception
{
    /// <summary>Creates the error.</summary>
    public ThreadError()
    {
    }

    /// <summary>Creates the error with CPython's message.</summary>
    public ThreadError(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with a message and a cause.</summary>
    public ThreadError(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
