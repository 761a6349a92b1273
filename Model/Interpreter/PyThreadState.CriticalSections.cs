using Sim.Model.CriticalSections;

namespace Sim.Model.Interpreter;

/// <summary>The critical-section mechanism's per-thread state.</summary>
public sealed partial class PyThreadState
{
    /// <summary>
    /// <c>tstate-&gt;critical_section</c>: the tagged pointer to the top of the thread's stack of critical sections (null when
    /// it is in none). Only the thread itself reads and writes it (<see cref="CriticalSection"/>).
    /// </summary>
    public CriticalSectionTag CriticalSection { get; internal set; }
}
