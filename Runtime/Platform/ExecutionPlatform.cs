using System.Diagnostics.CodeAnalysis;
using Sim.Runtime.Cells;
using Sim.Runtime.Parking;
using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Platform;

/// <summary>
/// The seam between the Runtime's primitives and what executes them: start a thread, block until woken or until a
/// thread exits, take a traced step, choose, read the clock, fail. <see cref="ControlledPlatform"/> runs it under
/// Coyote; <see cref="ProductionPlatform"/> on real threads. The mode is chosen once, when the runtime is created.
/// </summary>
internal abstract class ExecutionPlatform
{
    protected ExecutionPlatform(SimRuntime runtime) => Runtime = runtime;

    protected SimRuntime Runtime { get; }

    /// <summary>Called by the thread that is about to start <paramref name="thread"/>, before it counts as started.</summary>
    public virtual void BeforeStart(SimThread thread)
    {
    }

    /// <summary>Starts the OS thread behind <paramref name="thread"/>.</summary>
    public abstract void StartThread(SimThread thread);

    /// <summary>Blocks <paramref name="me"/> until <paramref name="target"/> has exited.</summary>
    public abstract void WaitForExit(SimThread me, SimThread target);

    /// <summary>Blocks until the waiter is woken (true) or the timeout elapses (false); a negative timeout waits forever.</summary>
    public abstract bool WaitForWake(SimThread me, ParkWaiter waiter, long timeoutNanos, string addressName);

    /// <summary>Posts the waiter's semaphore.</summary>
    public abstract void Wake(ParkWaiter waiter);

    /// <summary>A traced step that is also a scheduling point (a park, an unpark, a join, ...); <paramref name="cell"/> formats its values.</summary>
    public abstract void Step(AccessKind kind, string target, object? a = null, object? b = null, SharedCell? cell = null);

    /// <summary>A traced note that is not a scheduling point (the outcome of a step).</summary>
    public abstract void Note(AccessKind kind, string target, object? result = null);

    /// <summary>Starts a section in which shared accesses take no scheduling point (the parking lot's bucket lock).</summary>
    public abstract AtomicSectionScope AtomicSection();

    /// <summary>Lets other threads run: a spin loop's <c>_Py_yield</c>.</summary>
    public abstract void Yield(string why);

    /// <summary>The monotonic clock in nanoseconds (virtual in controlled mode).</summary>
    public abstract long NowNanos();

    public abstract bool ChooseBool(string label);

    public abstract int ChooseInt(string label, int count);

    /// <summary>Reports an invariant violation; never returns.</summary>
    [DoesNotReturn]
    public abstract void Fail(string message);

    /// <summary>Reports that a simulated thread threw.</summary>
    public abstract void ReportThreadException(SimThread thread, Exception exception);

    /// <summary>Ends the atomic section started by <see cref="AtomicSection"/>.</summary>
    internal virtual void EndAtomicSection()
    {
    }
}

/// <summary>Disposing ends an atomic section.</summary>
internal readonly struct AtomicSectionScope : IDisposable
{
    private readonly ExecutionPlatform? _platform;

    public AtomicSectionScope(ExecutionPlatform? platform) => _platform = platform;

    public void Dispose() => _platform?.EndAtomicSection();
}
