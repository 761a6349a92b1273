using Sim.Runtime.Platform;
using Sim.Runtime.Stress;

namespace Sim.Runtime.Cells;

/// <summary>
/// A piece of memory that several simulated threads share. Every access goes through the Runtime:
/// in controlled mode it is preceded by a scheduling point and recorded in the trace; in production
/// mode it is a plain or interlocked memory operation behind one test (in a stress run, the access first calls the
/// run's noise, <see cref="StressNoise"/>).
/// </summary>
public abstract class SharedCell
{
    /// <summary>The controlled-mode engine, or null in production mode.</summary>
    private protected readonly ControlledPlatform? _ctl;

    /// <summary>The noise of a stress run, called before each production access; null outside stress runs.</summary>
    private protected readonly StressNoise? _noise;

    /// <summary>
    /// True in production mode outside stress runs: an access is the bare hardware operation. It is the one test on the
    /// hot path; the hooks (<see cref="_ctl"/>, <see cref="_noise"/>) are looked at in a separate method, so that the
    /// hot path stays a leaf that saves no registers.
    /// </summary>
    private protected readonly bool _bare;

    /// <summary>Creates a cell owned by <paramref name="runtime"/>.</summary>
    /// <param name="runtime">The runtime of the current iteration or stress run.</param>
    /// <param name="name">A name for traces and error messages, for example <c>mutex(head_lock)._bits</c>.</param>
    private protected SharedCell(SimRuntime runtime, string name)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        Runtime = runtime;
        Name = name;
        _ctl = runtime.Controlled;
        _noise = runtime.Noise;
        _bare = _ctl is null && _noise is null;
    }

    /// <summary>The name used in traces and messages.</summary>
    public string Name { get; }

    /// <summary>The runtime this cell belongs to.</summary>
    public SimRuntime Runtime { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
