namespace Sim.Runtime.Platform;

/// <summary>
/// The OS threads that run simulated threads' bodies in controlled mode, one exploration's worth. With reuse, a body runs on
/// an idle OS thread kept from an earlier body (of this iteration or an earlier one) instead of a new one: creating,
/// starting and ending an OS thread for every simulated thread of every iteration was most of an iteration's fixed
/// cost. Between bodies, a thread is unbound from Coyote's runtime (<see cref="CoyoteThreadState"/>) and runs nothing of
/// the iteration; a thread that is not clean after its body, or whose body never ends, is never given another. Without
/// reuse (<see cref="Exploration.ExplorationOptions.ReuseOsThreads"/> off, or Coyote's private members not found), every
/// body gets an OS thread of its own, as Coyote's own controlled threads do.
/// </summary>
internal sealed class HostThreads : IDisposable
{
    private readonly Stack<Worker> _idle = new();
    private readonly Lock _lock = new();
    private bool _disposed;
    private int _created;
    private int _discarded;

    /// <summary>Threads kept for reuse if <paramref name="reuse"/> and Coyote's private members were found.</summary>
    public HostThreads(bool reuse) => Reuses = reuse && CoyoteThreadState.IsAvailable;

    /// <summary>A thread per body, shared by runtimes created without a pool (the benchmark's single steps).</summary>
    public static HostThreads Unpooled { get; } = new(reuse: false);

    /// <summary>True if OS threads are kept and reused.</summary>
    public bool Reuses { get; }

    /// <summary>How many OS threads were created.</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>How many OS threads wait for a body.</summary>
    public int Idle
    {
        get
        {
            lock (_lock)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>How many OS threads were not reused because they were not clean after a body (<see cref="CoyoteThreadState.IsClean"/>).</summary>
    public int Discarded => Volatile.Read(ref _discarded);

    /// <summary>Starts <paramref name="run"/> on an idle OS thread, or on a new one.</summary>
    public void Start(HostedRun run)
    {
        Worker? idle = null;
        if (Reuses)
        {
            lock (_lock)
            {
                _idle.TryPop(out idle);
            }
        }

        if (idle is not null)
        {
            idle.Assign(run);
            return;
        }

        Interlocked.Increment(ref _created);
        new Worker(this).Start(run);
    }

    /// <summary>Ends the idle threads; busy ones end after their body.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            while (_idle.TryPop(out var w))
            {
                w.Assign(null);
            }
        }
    }

    /// <summary>Keeps <paramref name="worker"/> for a later body if it may be reused; false ends its thread.</summary>
    private bool Keep(Worker worker)
    {
        if (!Reuses)
        {
            return false;
        }

        if (!CoyoteThreadState.IsClean())
        {
            Interlocked.Increment(ref _discarded);
            return false;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }

            _idle.Push(worker);
            return true;
        }
    }

    /// <summary>One OS thread: runs the bodies it is given, one at a time; null ends it.</summary>
    private sealed class Worker(HostThreads pool)
    {
        private readonly object _gate = new();
        private Thread? _thread;
        private HostedRun? _next;
        private bool _assigned;

        public void Start(HostedRun first)
        {
            // Not Thread.Start: the thread's own execution context must hold nothing of the iteration that created it (each
            // body runs in its starter's context, HostedRun.Execute).
            _thread = new Thread(Loop) { IsBackground = true };
            first.AssignTo(_thread);
            _thread.UnsafeStart(first);
        }

        public void Assign(HostedRun? run)
        {
            run?.AssignTo(_thread!);
            lock (_gate)
            {
                _next = run;
                _assigned = true;
                Monitor.Pulse(_gate);
            }
        }

        private void Loop(object? first)
        {
            var run = (HostedRun?)first;
            while (run is not null)
            {
                run.Execute();
                run = pool.Keep(this) ? Take() : null;
            }
        }

        private HostedRun? Take()
        {
            lock (_gate)
            {
                while (!_assigned)
                {
                    try
                    {
                        Monitor.Wait(_gate);
                    }
                    catch (ThreadInterruptedException)
                    {
                        // Nothing interrupts an idle thread (HostedRun.Interrupt acts only while a body runs); if something
                        // did, the thread waits on.
                    }
                }

                var run = _next;
                (_next, _assigned) = (null, false);
                return run;
            }
        }
    }
}
