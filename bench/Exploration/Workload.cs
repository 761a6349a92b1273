namespace Sim.Bench.Exploration;

/// <summary>
/// One exploration workload: <see cref="Threads"/> threads, each taking <see cref="Points"/> scheduling points (an atomic
/// increment of one shared counter each, or with <see cref="Plain"/> a plain write of the thread's own field), joined by
/// the main thread, which then checks the total.
/// </summary>
/// <param name="Threads">Worker threads besides the main thread.</param>
/// <param name="Points">Scheduling points (atomic increments) per worker.</param>
/// <param name="Iterations">Iterations per measured run in a full run.</param>
/// <param name="QuickIterations">Iterations per measured run with <c>--quick</c>.</param>
/// <param name="HasTarget">True for the workloads the issue sets the target on; false for a diagnostic one.</param>
/// <param name="Plain">
/// True if each point is a plain write of the worker's own field (ours: a <c>PlainCell</c>, which the race detector
/// checks; the baseline: an ordinary field) rather than an atomic increment of the shared counter. Ours runs it with
/// <c>PlainAccessPoints</c> on, so that both sides interleave before every write and the cost per step compares the same
/// steps.
/// </param>
/// <param name="Locked">
/// True if each point is a lock-protected increment of a shared plain counter (a textbook program): take a spin lock
/// (an acquire compare-and-swap, retried after a yield), read and write the counter, release the lock (a release store).
/// Ours runs as every exploration does, the plain accesses checked by the race detector but no scheduling points; the
/// baseline interleaves at the lock's operations only, as a program written on Coyote does. What it shows is iterations
/// per second on an ordinary program, not the cost of a step.
/// </param>
internal sealed record Workload(int Threads, int Points, uint Iterations, uint QuickIterations, bool HasTarget = true, bool Plain = false, bool Locked = false)
{
    /// <summary>
    /// The workloads the issue names, 2 threads x 10 points and 8 threads x 100 points, and a diagnostic one: a single
    /// worker, so no step hands control to another OS thread and the per-step CPU cost (ours: the cell, the trace step;
    /// Coyote: its scheduler) is not hidden behind the cost of a context switch.
    /// </summary>
    public static IReadOnlyList<Workload> All { get; } =
    [
        new(Threads: 2, Points: 10, Iterations: 1000, QuickIterations: 60),
        new(Threads: 8, Points: 100, Iterations: 150, QuickIterations: 6),
        new(Threads: 1, Points: 1000, Iterations: 150, QuickIterations: 6, HasTarget: false),
        new(Threads: 2, Points: 10, Iterations: 1000, QuickIterations: 60, HasTarget: false, Plain: true),
        new(Threads: 2, Points: 10, Iterations: 1000, QuickIterations: 60, HasTarget: false, Locked: true),
        new(Threads: 4, Points: 10, Iterations: 300, QuickIterations: 20, HasTarget: false, Locked: true),
    ];

    /// <summary>The final value of the counter (of each worker's field, for a plain workload).</summary>
    public int Expected => Plain ? Points : Threads * Points;

    /// <summary>The name in reports, e.g. <c>2 threads x 10 points</c>.</summary>
    public string Name => $"{Threads} thread{(Threads == 1 ? string.Empty : "s")} x {Points} {(Plain ? "plain " : Locked ? "locked " : string.Empty)}points";

    /// <summary>Iterations per run in the chosen mode.</summary>
    public uint IterationsFor(bool quick) => quick ? QuickIterations : Iterations;
}
