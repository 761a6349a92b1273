namespace Sim.Runtime.Stress;

/// <summary>
/// The OS threads of a stress run, kept across runs: a simulated thread takes an idle worker instead of creating an OS
/// thread (60 to 100 µs each), so runs are cheaper and start warm. A worker whose job never ends (a thread of an
/// abandoned run) is simply never returned; the pool creates another when it needs one.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Stack<Worker> _idle = new();
    private readonly Lock _lock = new();
    private bool _disposed;
    private int _created;

    /// <summary>How many OS threads the pool has created.</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>Runs <paramref name="job"/> on an idle worker, or on a new one if none is idle.</summary>
    public void Run(Action job)
    {
        Worker? worker = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _idle.TryPop(out worker);
        }

        (worker ?? new Worker(this, Interlocked.Increment(ref _created))).Assign(job);
    }

    /// <summary>Stops the idle workers; busy ones stop when their job ends.</summary>
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

    private bool Return(Worker worker)
    {
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

    /// <summary>One OS thread: runs the jobs it is given, one at a time; a null job stops it.</summary>
    private sealed class Worker
    {
        /// <summary>Rounds a finished worker spins, looking for its next job, before it blocks (the next run starts within microseconds).</summary>
        private const int SpinRounds = 2048;

        private readonly WorkerPool _pool;
        private readonly object _lock = new();
        private Action? _job;
        private bool _assigned;
        private bool _sleeping;

        public Worker(WorkerPool pool, int number)
        {
            _pool = pool;
            new Thread(Loop) { IsBackground = true, Name = $"sim stress {number}" }.Start();
        }

        public void Assign(Action? job)
        {
            lock (_lock)
            {
                _job = job;
                Volatile.Write(ref _assigned, true);
                if (_sleeping)
                {
                    Monitor.Pulse(_lock);
                }
            }
        }

        private void Loop()
        {
            while (Take() is { } job)
            {
                job();
                if (!_pool.Return(this))
                {
                    return;
                }
            }
        }

        private Action? Take()
        {
            for (var i = 0; i < SpinRounds && !Volatile.Read(ref _assigned); i++)
            {
                if ((i & 7) == 7)
                {
                    Thread.Yield();
                }
                else
                {
                    Thread.SpinWait(16);
                }
            }

            lock (_lock)
            {
                while (!_assigned)
                {
                    _sleeping = true;
                    Monitor.Wait(_lock);
                    _sleeping = false;
                }

                var job = _job;
                _job = null;
                _assigned = false;
                return job;
            }
        }
    }
}
