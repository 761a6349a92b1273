using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Sim.Runtime.Parking;
using Sim.Runtime.Platform;
using Sim.Runtime.Scheduling;
using Sim.Runtime.Stress;
using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime;

/// <summary>
/// The root of one simulated execution: one exploration iteration, or one production run. Owns the threads, the
/// parking lot, the clock, the choices and the invariant checks; every model object hangs off it, so nothing
/// outlives the iteration. Whether it runs under Coyote or on real threads is decided when it is created, by the
/// harness (<see cref="Exploration.Explorer"/>) or the stress runner (<see cref="Stress.StressRunner"/>); code
/// written on it never asks.
/// </summary>
public sealed class SimRuntime
{
    private readonly List<SimThread> _threads = [];
    private readonly Lock _threadsLock = new();
    private volatile bool _ended;
    private RecordedFailure? _failure;
    private string? _uncontrolled;
    private long _nextAddress;
    private string? _divergence;

    private SimRuntime(ControlledSettings? controlled, StressRun? stress = null)
    {
        Controlled = controlled is null ? null : new ControlledPlatform(this, controlled);
        Production = controlled is null ? new ProductionPlatform(this, stress) : null;
        Platform = Controlled ?? (ExecutionPlatform)Production!;
        ParkingLot = new ParkingLot(this);
        MainThread = new SimThread(this, 1, "main", body: null);
        _threads.Add(MainThread);
        SimThread.Current = MainThread;
    }

    /// <summary>The thread that created the runtime and runs the program's main body (id 1).</summary>
    public SimThread MainThread { get; }

    /// <summary>The parking lot every blocking primitive waits in.</summary>
    public ParkingLot ParkingLot { get; }

    /// <summary>The simulated thread that is running this code.</summary>
    /// <exception cref="InvalidOperationException">The caller is not a thread of this runtime.</exception>
    public SimThread CurrentThread
    {
        get
        {
            var t = SimThread.Current;
            if (t is null || !ReferenceEquals(t.Runtime, this))
            {
                const string why = "the caller is not a simulated thread of this runtime: start threads with SimRuntime.StartThread, never Task.Run, the thread pool or new Thread";
                ReportUncontrolled(why);
                throw new InvalidOperationException(why);
            }

            return t;
        }
    }

    /// <summary>
    /// Records the calling thread in <paramref name="holder"/>: ghost state that CPython does not keep and a Model
    /// primitive keeps only for the exploration's deadlock reports (who holds a mutex, <see cref="Parking.IWaitTarget.Holder"/>).
    /// Nothing reads it in production mode, so there it does nothing, and an uncontended lock pays no thread lookup for it.
    /// </summary>
    /// <param name="holder">The primitive's field that names its holder.</param>
    public void RecordHolder(ref SimThread? holder)
    {
        if (Controlled is not null)
        {
            holder = CurrentThread;
        }
    }

    /// <summary>Every thread started so far, the main thread first.</summary>
    public IReadOnlyList<SimThread> Threads
    {
        get
        {
            lock (_threadsLock)
            {
                return [.. _threads];
            }
        }
    }

    /// <summary>
    /// The monotonic clock in nanoseconds (<c>_PyTime_MonotonicUnchecked</c>). Virtual in controlled mode: it advances by
    /// a fixed amount per scheduling point and jumps to a deadline when a timed wait times out.
    /// </summary>
    public long MonotonicNanos => Platform.NowNanos();

    internal ExecutionPlatform Platform { get; }

    /// <summary>
    /// The threads, thread <c>i</c> at index <c>i - 1</c>, without a copy: for controlled mode only, where one simulated
    /// thread runs at a time and threads are created by the running one.
    /// </summary>
    internal List<SimThread> ThreadList => _threads;

    /// <summary>The controlled platform, or null in production mode; cells cache it.</summary>
    internal ControlledPlatform? Controlled { get; }

    /// <summary>The production platform, or null in controlled mode.</summary>
    internal ProductionPlatform? Production { get; }

    /// <summary>The noise of a stress run, or null; cells cache it.</summary>
    internal StressNoise? Noise => Production?.Noise;

    internal bool HasEnded => _ended;

    /// <summary>
    /// In controlled mode, the run is over from now on: set by the thread that ends the iteration (a failure, a livelock,
    /// a divergence) just before it tells Coyote, so that a thread that was started but whose body has not begun yet, and
    /// that Coyote no longer pauses once the iteration has ended, takes no step (<see cref="ControlledPlatform"/>'s thread
    /// start). The harness's <see cref="End"/> sets it too, for the ends Coyote finds itself.
    /// </summary>
    internal void MarkEnded() => _ended = true;

    /// <summary>The first invariant violation or thread exception of this run, if any.</summary>
    internal RecordedFailure? Failure => Volatile.Read(ref _failure);

    /// <summary>Why the run escaped the Runtime's control, if it did.</summary>
    internal string? UncontrolledReason => Volatile.Read(ref _uncontrolled);

    /// <summary>Where a replayed schedule stopped fitting the program, if it did.</summary>
    internal string? Divergence => Volatile.Read(ref _divergence);

    /// <summary>Creates a runtime that runs on real threads (production mode).</summary>
    public static SimRuntime CreateProduction() => new(controlled: null);

    /// <summary>Creates the runtime of one stress run; only the stress runner does this, on the run's main thread.</summary>
    internal static SimRuntime CreateProduction(StressRun run) => new(controlled: null, run);

    /// <summary>Creates a runtime for one controlled iteration; only the harness does this, inside the iteration.</summary>
    internal static SimRuntime CreateControlled(ControlledSettings settings) => new(settings);

    /// <summary>Starts a simulated thread running <paramref name="body"/> (<c>PyThread_start_joinable_thread</c>).</summary>
    /// <param name="name">The thread's name, for traces.</param>
    /// <param name="body">What the thread runs.</param>
    /// <param name="daemon">Whether the program's end neither waits for the thread nor lets it go on (<see cref="SimThread.IsDaemon"/>).</param>
    public SimThread StartThread(string name, Action body, bool daemon = false)
    {
        var thread = CreateThread(name, body, daemon);
        thread.Start();
        return thread;
    }

    /// <summary>
    /// Creates a simulated thread that will run <paramref name="body"/> once <see cref="SimThread.Start"/> is called, so
    /// that a model can prepare per-thread state before the OS thread exists (as <c>ThreadHandle_start</c> creates the
    /// thread state first). It gets its id now.
    /// </summary>
    /// <param name="name">The thread's name, for traces.</param>
    /// <param name="body">What the thread runs.</param>
    /// <param name="daemon">Whether the program's end neither waits for the thread nor lets it go on (<see cref="SimThread.IsDaemon"/>).</param>
    public SimThread CreateThread(string name, Action body, bool daemon = false)
    {
        ArgumentNullException.ThrowIfNull(body);
        lock (_threadsLock)
        {
            if (Controlled is not null && _threads.Count >= ThreadSet.MaxThreadId)
            {
                const string why = "a controlled run has at most 64 simulated threads (the schedule record's limit); use fewer threads in the scenario";
                ReportUncontrolled(why);
                throw new InvalidOperationException(why);
            }

            var thread = new SimThread(this, _threads.Count + 1, name, body, daemon);
            _threads.Add(thread);
            return thread;
        }
    }

    /// <summary>
    /// A fresh simulated memory address, increasing in the order of the calls (what <c>malloc</c> hands out, without reuse).
    /// A model that orders objects by address, as critical sections lock two mutexes in address order, takes one when the
    /// object is created. Not a scheduling point: an address is private to its creator until it is published.
    /// </summary>
    public long NewAddress() => Interlocked.Increment(ref _nextAddress) * 16;

    /// <summary>A controlled choice between false and true (a coin in production mode).</summary>
    /// <param name="label">What the choice decides, for the trace.</param>
    public bool ChooseBool(string label) => Platform.ChooseBool(label);

    /// <summary>A controlled choice of an integer in [0, <paramref name="count"/>).</summary>
    /// <param name="label">What the choice decides, for the trace.</param>
    /// <param name="count">How many values to choose from.</param>
    public int ChooseInt(string label, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return Platform.ChooseInt(label, count);
    }

    /// <summary>
    /// Checks an invariant: a Coyote assertion in controlled mode, an <see cref="InvariantViolationException"/> with the
    /// same message in production mode.
    /// </summary>
    public void Check([DoesNotReturnIf(false)] bool condition, string message)
    {
        if (!condition)
        {
            Fail(message);
        }
    }

    /// <summary>Reports an invariant violation. Never returns.</summary>
    [DoesNotReturn]
    public void Fail(string message) => Platform.Fail(message);

    /// <summary>Lets other threads run, as a spin loop's <c>_Py_yield</c> does. Every spin loop must call it.</summary>
    /// <param name="why">What the thread waits for, for the trace.</param>
    public void Yield(string why = "spin") => Platform.Yield(why);

    /// <summary>
    /// Names the model operation the current thread is in, for the trace (<c>using var _ = rt.Enter("PyMutex_Lock");</c>).
    /// Costs nothing in production mode.
    /// </summary>
    public OperationScope Enter(string operation)
    {
        if (Controlled is null || SimThread.Current is not { } t || !ReferenceEquals(t.Runtime, this))
        {
            return default;
        }

        var previous = t.CurrentOperation;
        t.CurrentOperation = operation;
        return new OperationScope(t, previous);
    }

    /// <summary>
    /// Names the model operation the current thread is in with an interpolated string, for example
    /// <c>rt.Enter($"PyMutex_Lock({Name})")</c>. The string is formatted only in controlled mode, so a hot path pays
    /// nothing for it in production.
    /// </summary>
    public OperationScope Enter([InterpolatedStringHandlerArgument("")] ref OperationNameHandler operation) =>
        operation.Build() is { } name ? Enter(name) : default;

    /// <summary>Writes a note into the trace; not a scheduling point.</summary>
    public void Note(string text) => Platform.Note(AccessKind.Note, text);

    /// <summary>
    /// Simulates <c>fork()</c> in the calling thread, which continues as the child: every other thread, running or
    /// exited, vanishes for good. A vanished thread stops at its next Runtime operation or wait, and unwinds; every
    /// Runtime operation its unwinding reaches (a <c>finally</c> or a <c>using</c> that unlocks a mutex) stops it again
    /// before it acts, so it changes nothing in the child. Joining or detaching it is an invariant violation. The parking
    /// lot keeps its entries until the Model calls <see cref="ParkingLot.AfterFork"/>, as CPython's child does.
    /// </summary>
    /// <remarks>
    /// Deviation (production mode): a real fork leaves the other threads behind at once; here a running vanished thread
    /// goes on until its next Runtime operation (one already past its check lands). On the plain production runtime (<see cref="CreateProduction()"/>, no
    /// stress run) cell accesses have no hook at all, so there it goes on, and its unwinding acts, up to its next park,
    /// unpark, join or yield: fork scenarios run on real threads under the stress runner (<c>sim stress</c>), whose
    /// cells stop it.
    /// </remarks>
    public void Fork()
    {
        var me = CurrentThread;
        Platform.Step(AccessKind.Fork, $"{me} continues as the child; every other thread vanishes");
        Controlled?.Races?.Forked(me, Threads.Where(t => !ReferenceEquals(t, me)));
        foreach (var t in Threads)
        {
            if (!ReferenceEquals(t, me))
            {
                t.MarkGone();
            }
        }

        ParkingLot.WakeGone();
    }

    internal void JoinThread(SimThread target)
    {
        var me = CurrentThread;
        if (ReferenceEquals(target, me))
        {
            Fail($"{me} joins itself: pthread_join on the calling thread deadlocks");
        }

        if (target.IsGone)
        {
            Fail($"{me} joins {target}, which does not exist in this process (it vanished in the fork)");
        }

        if (!target.IsStarted)
        {
            Fail($"{me} joins {target}, which was never started");
        }

        switch (target.ClaimJoinOrDetach(1))
        {
            case 1:
                Fail($"{target} is joined twice: pthread_join on a thread that was already joined");
                break;
            case 2:
                Fail($"{target} is joined after it was detached");
                break;
        }

        // A blocking join releases the thread state while it waits (Py_BEGIN_ALLOW_THREADS around PyThread_join_thread).
        var hooks = me.BeforeBlock();
        Platform.WaitForExit(me, target);
        Controlled?.Joined(me, target);
        hooks.AfterBlock();
    }

    internal void DetachThread(SimThread target)
    {
        var me = CurrentThread;
        Platform.Step(AccessKind.Detach, target.ToString());
        if (target.IsGone)
        {
            Fail($"{me} detaches {target}, which does not exist in this process (it vanished in the fork)");
        }

        switch (target.ClaimJoinOrDetach(2))
        {
            case 1:
                Fail($"{target} is detached after it was joined");
                break;
            case 2:
                Fail($"{target} is detached twice");
                break;
        }
    }

    /// <summary>
    /// The harness's end of a program: waits until every thread but the daemon threads has exited, then ends the process:
    /// a scheduling point first (daemon threads run on while a real process exits), then every daemon thread still
    /// running or blocked stops where it is (<see cref="SimThread.IsDaemon"/>), and the main
    /// thread waits until each has unwound, so that nothing of the run goes on after it.
    /// </summary>
    internal void WaitForAllThreads()
    {
        var me = CurrentThread;
        while (Threads.FirstOrDefault(t => !ReferenceEquals(t, me) && !t.IsDaemon && t.IsStarted && !t.HasExited) is { } t)
        {
            Platform.WaitForExit(me, t);
        }

        if (!Threads.Any(t => t.IsDaemon && t.IsLive))
        {
            return;
        }

        // The process's exit (exit(), the C runtime's atexit handlers, the kernel's teardown) takes time, in which the
        // daemon threads run on: a scheduling point, at which the strategy may let them take any number of steps.
        // (A daemon may start a thread meanwhile: the exit stops every thread still live, whatever its kind.)
        Platform.Step(AccessKind.Note, "the process exits");
        var daemons = Threads.Where(t => !ReferenceEquals(t, me) && t.IsLive).ToList();
        if (daemons.Count == 0)
        {
            return;
        }

        Platform.Note(AccessKind.Note, $"threads {string.Join(", ", daemons)} stop where they are");
        daemons.ForEach(t => t.MarkGone());
        ParkingLot.WakeGone();
        daemons.ForEach(t => Platform.WaitForExit(me, t));
    }

    /// <summary>
    /// <c>PyThread_exit_thread</c> (<c>Python/thread_pthread.h</c>): the calling thread ends here, without running the
    /// rest of its body; a join of it returns. The main thread runs the program and cannot exit this way.
    /// </summary>
    /// <exception cref="InvalidOperationException">The caller is the main thread.</exception>
    [DoesNotReturn]
    public void ExitThread()
    {
        var me = CurrentThread;
        if (ReferenceEquals(me, MainThread))
        {
            throw new InvalidOperationException("the main thread runs the program: it cannot exit with ExitThread");
        }

        Platform.Note(AccessKind.Note, $"{me} exits (PyThread_exit_thread)");
        throw new ThreadExitException();
    }

    /// <summary>
    /// Records the run's first failure. On real threads it also
    /// ends the run (<see cref="EndRun"/>), so that a failure in a thread that holds a lock does not leave the others
    /// blocked until the hang timeout (in controlled mode Coyote ends the iteration).
    /// </summary>
    internal void RecordFailure(RecordedFailure failure)
    {
        if (Interlocked.CompareExchange(ref _failure, failure, null) is null && Controlled is null)
        {
            EndRun();
        }
    }

    /// <summary>
    /// Ends a run on real threads: every parked or joining thread is woken and unwinds, as does every thread at its next
    /// Runtime point (in a stress run, every cell access is one).
    /// </summary>
    internal void EndRun()
    {
        _ended = true;
        ParkingLot.WakeAll();
        Production?.ReleaseAll();
    }

    internal void ReportUncontrolled(string reason) => Interlocked.CompareExchange(ref _uncontrolled, reason, null);

    internal void ReportDivergence(string reason) => Interlocked.CompareExchange(ref _divergence, reason, null);

    /// <summary>
    /// Ends a controlled run: every simulated thread still blocked or running is stopped (<see cref="HostedRun.Stop"/>) and
    /// unwinds. Coyote releases only the threads it created, so the Runtime must release its own, or they pile up across
    /// iterations, and an OS thread is reused only once the body it ran has ended (<see cref="HostedRun"/>).
    /// </summary>
    /// <returns>How many threads failed to stop within the grace period.</returns>
    internal int End(TimeSpan grace)
    {
        _ended = true;
        var alive = Threads.Where(t => t.Host is { IsRunning: true }).ToList();
        foreach (var t in alive)
        {
            t.Host!.Stop();
        }

        return alive.Count(t => !t.Host!.Join(grace));
    }
}

/// <summary>The scope of a named model operation; disposing it restores the enclosing one.</summary>
public readonly struct OperationScope : IDisposable
{
    private readonly SimThread? _thread;
    private readonly string? _previous;

    internal OperationScope(SimThread thread, string? previous)
    {
        _thread = thread;
        _previous = previous;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_thread is not null && !_thread.IsFrozen)
        {
            _thread.CurrentOperation = _previous;
        }
    }
}
