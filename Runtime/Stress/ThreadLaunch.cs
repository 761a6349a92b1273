namespace Sim.Runtime.Stress;

/// <summary>How a stress run puts its simulated threads on OS threads.</summary>
public enum ThreadLaunch
{
    /// <summary>
    /// OS threads kept across runs, and a start gate: the threads the main body starts wait until all of them are on
    /// their OS threads, then start together (the default).
    /// </summary>
    Gated,

    /// <summary>OS threads kept across runs, each simulated thread starting as soon as it is started (no gate).</summary>
    Pooled,

    /// <summary>
    /// A new OS thread for every simulated thread and for every run's main thread, started when the program starts it: how
    /// stress ran before the gate and the pool, kept as the baseline of the overlap benchmark.
    /// </summary>
    Fresh,
}
