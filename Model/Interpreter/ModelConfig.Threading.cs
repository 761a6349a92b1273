using Sim.Model.Threading;

namespace Sim.Model.Interpreter;

/// <summary>The thread-join mechanism's part of the configuration.</summary>
public sealed partial record ModelConfig
{
    /// <summary>
    /// Thread join, <c>_thread._ThreadHandle</c>, shutdown and the after-fork marking: CPython 3.13's design by default,
    /// <see cref="ThreadingDesign.Cpython312"/> for the <c>_tstate_lock</c> design, or a broken one.
    /// </summary>
    public ThreadingDesign Threading { get; init; } = ThreadingDesign.Cpython313;
}
