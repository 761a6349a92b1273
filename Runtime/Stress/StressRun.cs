namespace Sim.Runtime.Stress;

/// <summary>
/// One run of a stress invocation, as the production platform sees it: the run's seed, its noise rate, and how its
/// threads get OS threads (the pool and the start gate, or fresh threads).
/// </summary>
internal sealed class StressRun
{
    private readonly WorkerPool? _pool;

    public StressRun(uint seed, double noiseRate, ThreadLaunch launch, WorkerPool? pool, int expectedGated)
    {
        Seed = seed;
        NoiseRate = noiseRate;
        _pool = launch == ThreadLaunch.Fresh ? null : pool;
        Gate = launch == ThreadLaunch.Gated ? new StartGate(expectedGated) : null;
    }

    /// <summary>The seed of the run's choices and noise.</summary>
    public uint Seed { get; }

    /// <summary>The probability of a pause at each Runtime point.</summary>
    public double NoiseRate { get; }

    /// <summary>The start gate, or null when threads start at once.</summary>
    public StartGate? Gate { get; }

    /// <summary>Runs <paramref name="body"/> on an OS thread of the pool, or on a new one.</summary>
    /// <param name="body">What the OS thread runs.</param>
    /// <param name="name">The OS thread's name, for a new thread.</param>
    /// <param name="byMain">True if the run's main thread starts it: it then waits at the gate while the gate collects.</param>
    public void Launch(Action body, string name, bool byMain)
    {
        var gate = byMain && Gate is { } g && g.Enlist() ? g : null;
        Action job = gate is null ? body : () =>
        {
            gate.Pass();
            body();
        };
        if (_pool is null)
        {
            new Thread(() => job()) { IsBackground = true, Name = name }.Start();
        }
        else
        {
            _pool.Run(job);
        }

        gate?.Started();
    }

    /// <summary>Called when the main thread waits, yields or ends its body: the gate opens as soon as its threads are there.</summary>
    public void MainWaits() => Gate?.Arm();
}
