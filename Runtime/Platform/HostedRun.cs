namespace Sim.Runtime.Platform;

/// <summary>
/// One simulated thread's body on the OS thread that runs it in controlled mode (<see cref="HostThreads"/>), and its
/// end. The iteration's end stops the body if it still runs (<see cref="Stop"/>) and waits for it (<see cref="Join"/>).
/// A body paused in Coyote is woken through its Coyote operation (<see cref="CoyoteThreadState.Wake"/>) and unwinds from
/// the Runtime's own check after the pause; only without that (another Coyote build) is its OS thread interrupted
/// (<see cref="Interrupt"/>). An interrupt is asynchronous: it lands at the thread's next interruptible wait, wherever
/// that is, including waits inside the .NET runtime's own native code (type loading, a class constructor run by another
/// thread, the JIT), where .NET cannot raise it and aborts the process ("terminate called after throwing an instance of
/// 'PAL_SEHException'", seen once in CI). An interrupt reaches the OS thread only while the body has not finished, and
/// one that the body did not consume is taken off the thread before <see cref="Join"/> returns, so that it cannot land in
/// a later body of the same OS thread.
/// </summary>
internal sealed class HostedRun
{
    private const int Running = 0;
    private const int Interrupting = 1;
    private const int Done = 2;

    private readonly string _name;
    private readonly object _gate = new();
    private object? _operation;
    private Action? _body;
    private ExecutionContext? _context;
    private Thread? _os;
    private int _state;
    private volatile bool _interrupted;

    /// <summary>
    /// A run of <paramref name="body"/> in the calling thread's execution context, as <see cref="Thread.Start()"/> would;
    /// <paramref name="operation"/> is the body's Coyote operation (<see cref="CoyoteThreadState.OperationWithId"/>), if known.
    /// </summary>
    public HostedRun(Action body, string name, object? operation = null)
    {
        _body = body;
        _name = name;
        _operation = operation;
        _context = ExecutionContext.Capture();
    }

    /// <summary>False once the body has finished and the OS thread is clean of it.</summary>
    public bool IsRunning => Volatile.Read(ref _state) != Done;

    /// <summary>
    /// Stops the body at the end of its iteration: wakes it where it waits in Coyote if its operation is known, and
    /// interrupts its OS thread otherwise. A body that runs (is not paused) is not disturbed: it finishes, or reaches the
    /// Runtime's next scheduling point, which sees the run ended and unwinds it.
    /// </summary>
    public void Stop()
    {
        if (Volatile.Read(ref _operation) is not { } operation || !CoyoteThreadState.Wake(operation))
        {
            Interrupt();
        }
    }

    /// <summary>Interrupts the body's OS thread if the body still runs; does nothing otherwise.</summary>
    public void Interrupt()
    {
        if (Interlocked.CompareExchange(ref _state, Interrupting, Running) == Running)
        {
            _interrupted = true;
            Volatile.Read(ref _os)?.Interrupt();
            Volatile.Write(ref _state, Running);
        }
    }

    /// <summary>Waits up to <paramref name="grace"/> for the body to finish; false if it did not.</summary>
    public bool Join(TimeSpan grace)
    {
        lock (_gate)
        {
            var deadline = DateTime.UtcNow + grace;
            while (IsRunning)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !Monitor.Wait(_gate, left))
                {
                    return !IsRunning;
                }
            }

            return true;
        }
    }

    /// <summary>The OS thread that will run the body, set before it starts it.</summary>
    internal void AssignTo(Thread os) => Volatile.Write(ref _os, os);

    /// <summary>
    /// Runs the body on the calling OS thread (its <see cref="AssignTo">assigned</see> one), then unbinds the thread from
    /// Coyote's runtime (which <see cref="Microsoft.Coyote.Runtime.Operation.OnStarted"/> bound it to), drops the body and
    /// its Coyote operation (an idle OS thread keeps nothing of the iteration), and marks the run done. The execution
    /// context it ran in, and the synchronization context Coyote set in it, are the caller's again afterwards.
    /// </summary>
    internal void Execute()
    {
        var os = Thread.CurrentThread;
        if (os.Name != _name)
        {
            os.Name = _name;
        }

        var body = _body!;
        if (_context is { } context)
        {
            ExecutionContext.Run(context, static b => ((Action)b!)(), body);
        }
        else
        {
            body();
        }

        _body = null;
        _context = null;
        Volatile.Write(ref _operation, null);
        if (CoyoteThreadState.IsAvailable)
        {
            CoyoteThreadState.Clean();
        }

        SynchronizationContext.SetSynchronizationContext(null);
        Finish();
    }

    private void Finish()
    {
        // An interrupt under way (between its two state changes) lands before the run is done; none comes after.
        while (Interlocked.CompareExchange(ref _state, Done, Running) != Running)
        {
            Thread.Yield();
        }

        // An interrupt that found the body running but not blocked is still pending on the thread: take it off here
        // (Thread.Sleep(0) throws at once if one is pending), not in the OS thread's next body.
        if (_interrupted)
        {
            try
            {
                Thread.Sleep(0);
            }
            catch (ThreadInterruptedException)
            {
            }
        }

        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }
}
