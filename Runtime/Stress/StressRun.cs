namespace Sim.Runtime.Stress;

/// <summary>
/// One run of a stress invocation, as the production platform sees it: the run's seed, its noise rate, and how its
/// threads get OS threads (the pool and the start gate, or fresh threads).
/// </summary>
internal sealed class StressRun
{
    private readonly WorkerPool? _pool;
    private readonly bool _gated;
    private readonly List<StartGate> _gates = [];
    private long _mainPointsAtLastStart;
    private int _mainStarts;

    /// <param name="seed">The seed of the run's choices and noise.</param>
    /// <param name="noiseRate">The probability of a pause at each Runtime point.</param>
    /// <param name="launch">How simulated threads get OS threads.</param>
    /// <param name="pool">The pool of OS threads (unused with <see cref="ThreadLaunch.Fresh"/>).</param>
    /// <param name="learned">What the previous runs' main thread did: how many threads it started before its first wait, and whether it worked in between.</param>
    public StressRun(uint seed, double noiseRate, ThreadLaunch launch, WorkerPool? pool, MainProfile learned)
    {
        Seed = seed;
        NoiseRate = noiseRate;
        _pool = launch == ThreadLaunch.Fresh ? null : pool;
        _gated = launch == ThreadLaunch.Gated;
        Gate = _gated ? Track(new StartGate(learned.Starts, participate: learned.WorksAfterStarts)) : null;
    }

    /// <summary>What this run's main thread did before its first wait, for the next runs.</summary>
    public MainProfile Learned { get; private set; } = new(0, false);

    /// <summary>The seed of the run's choices and noise.</summary>
    public uint Seed { get; }

    /// <summary>The probability of a pause at each Runtime point.</summary>
    public double NoiseRate { get; }

    /// <summary>The main thread's start gate, or null when threads start at once.</summary>
    public StartGate? Gate { get; }

    /// <summary>Runs <paramref name="body"/> on an OS thread of the pool, or on a new one.</summary>
    /// <param name="body">What the OS thread runs.</param>
    /// <param name="name">The OS thread's name, for a new thread.</param>
    /// <param name="byMain">
    /// True if the run's main thread starts it: it goes through the main thread's gate while that gate collects. Any
    /// other start is a meeting of the starter and the started thread at a gate of their own.
    /// </param>
    public void Launch(Action body, string name, bool byMain)
    {
        var gate = !_gated ? null : byMain && Gate!.Enlist() ? Gate : Meeting();
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

    /// <summary>Called when the main thread starts a thread, with how many Runtime points it has passed.</summary>
    public void MainStarts(long points)
    {
        if (Gate is { IsArmedByWait: false })
        {
            _mainStarts++;
            _mainPointsAtLastStart = points;
        }
    }

    /// <summary>
    /// Called when the main thread waits, yields or ends its body, with how many Runtime points it has passed: its gate
    /// opens as soon as its threads are there, and the first such call tells the next runs what it did.
    /// </summary>
    public void MainWaits(long points)
    {
        if (Gate is null || Gate.IsArmedByWait)
        {
            return;
        }

        if (_mainStarts > 0)
        {
            Learned = new MainProfile(_mainStarts, points - _mainPointsAtLastStart > MainProfile.WorkPoints);
        }

        Gate.ArmAtWait();
    }

    /// <summary>The run has ended: every gate opens, so that the threads at them unwind.</summary>
    public void ReleaseGates()
    {
        lock (_gates)
        {
            _gates.ForEach(g => g.Release());
        }
    }

    /// <summary>A gate for one start: the starter and the started thread go on together.</summary>
    private StartGate Meeting()
    {
        var gate = Track(new StartGate(expected: 1, participate: true));
        gate.Enlist();
        return gate;
    }

    private StartGate Track(StartGate gate)
    {
        lock (_gates)
        {
            _gates.Add(gate);
        }

        return gate;
    }
}

/// <summary>What a run's main thread did before its first wait: the start gate of the next runs is set up from it.</summary>
/// <param name="Starts">How many threads it started.</param>
/// <param name="WorksAfterStarts">
/// True if it passed more than <see cref="WorkPoints"/> Runtime points between its last start and its first wait: it
/// works alongside its threads, so it waits at the gate with them; otherwise it lets them go and goes on to wait, which
/// frees its core for them.
/// </param>
internal sealed record MainProfile(int Starts, bool WorksAfterStarts)
{
    /// <summary>More points than the few that lead into a join or a park (an event's load, the park step) count as work.</summary>
    public const int WorkPoints = 16;
}
