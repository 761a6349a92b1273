using Sim.Runtime.Platform;
using Sim.Runtime.Scheduling;

namespace Sim.Runtime.Threads;

/// <summary>
/// A simulated OS thread: in controlled mode a Coyote-controlled operation running on its own OS thread,
/// in production mode a plain OS thread. Models what CPython gets from <c>PyThread_start_joinable_thread</c>,
/// <c>PyThread_join_thread</c> and <c>PyThread_detach_thread</c> (<c>Python/thread_pthread.h</c>).
/// </summary>
public sealed class SimThread
{
    [ThreadStatic]
    private static SimThread? s_current;

    private readonly Action? _body;
    private readonly Lock _parkHooksLock = new();
    private int _joinedOrDetached;
    private volatile bool _completed;
    private volatile bool _gone;
    private volatile bool _started;
    private volatile bool _frozen;
    private volatile IParkHooks[] _parkHooks = [];

    internal SimThread(SimRuntime runtime, int id, string name, Action? body, bool daemon = false)
    {
        Runtime = runtime;
        Id = id;
        Name = name;
        IsDaemon = daemon;
        _body = body;
        _started = body is null;
    }

    /// <summary>A small id, stable across runs of the same schedule: the main thread is 1, then 2, 3, ... in start order.</summary>
    public int Id { get; }

    /// <summary>The name given at start.</summary>
    public string Name { get; }

    /// <summary>The runtime the thread belongs to.</summary>
    public SimRuntime Runtime { get; }

    /// <summary>
    /// True for a daemon thread: the program's end does not wait for it, and whatever it is doing then (running or
    /// blocked), it stops there, as a process's exit ends every thread that still runs. A thread is a daemon from its
    /// creation (<see cref="SimRuntime.CreateThread"/>).
    /// </summary>
    public bool IsDaemon { get; }

    /// <summary>
    /// Per-thread state that the Model hangs on the thread (its <c>PyThreadState</c>, say). The Runtime never reads it.
    /// </summary>
    public object? ModelState { get; set; }

    /// <summary>
    /// Registers callbacks around the thread's detaching parking-lot waits and OS joins, as <c>_PyParkingLot_Park</c>
    /// detaches and re-attaches the thread state. Several parties may register (the Model's thread state, a scenario,
    /// later stop-the-world or critical sections); before a wait they run in registration order, after it in reverse
    /// order, so that the first to detach is the last to re-attach. Registering the same hooks twice is an error.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="hooks"/> is already registered.</exception>
    public void AddParkHooks(IParkHooks hooks)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        lock (_parkHooksLock)
        {
            if (Array.IndexOf(_parkHooks, hooks) >= 0)
            {
                throw new InvalidOperationException($"these park hooks are already registered on {this}");
            }

            _parkHooks = [.. _parkHooks, hooks];
        }
    }

    /// <summary>Unregisters hooks added with <see cref="AddParkHooks"/>; later waits no longer call them.</summary>
    /// <returns>False if <paramref name="hooks"/> was not registered.</returns>
    public bool RemoveParkHooks(IParkHooks hooks)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        lock (_parkHooksLock)
        {
            var i = Array.IndexOf(_parkHooks, hooks);
            if (i < 0)
            {
                return false;
            }

            _parkHooks = [.. _parkHooks[..i], .. _parkHooks[(i + 1)..]];
            return true;
        }
    }

    /// <summary>True once the thread's body has returned or thrown (the OS thread has exited).</summary>
    public bool HasExited => _completed;

    /// <summary>
    /// True if the thread no longer exists: it vanished in a simulated fork (it does not exist in the child process), or
    /// it is a daemon thread that the program's end stopped.
    /// </summary>
    public bool IsGone => _gone;

    /// <summary>True once <see cref="Start"/> ran (the main thread is always started).</summary>
    public bool IsStarted => _started;

    /// <summary>True if the thread has started and neither exited nor vanished in a fork: it may still take steps.</summary>
    internal bool IsLive => _started && !_completed && !_gone;

    /// <summary>The thread this code runs on, if it is a simulated thread.</summary>
    internal static SimThread? Current
    {
        get => s_current;
        set => s_current = value;
    }

    /// <summary>The thread's body on its OS thread, in controlled mode; null for the main thread (Coyote runs it).</summary>
    internal HostedRun? Host { get; set; }

    /// <summary>The thread's state in production mode (its random streams, what it waits for); null in controlled mode.</summary>
    internal ProductionThread? Production { get; set; }

    /// <summary>What the thread is blocked on, in controlled mode; null while it can run.</summary>
    internal BlockInfo? Blocked { get; set; }

    /// <summary>The innermost model operation, for the trace.</summary>
    internal string? CurrentOperation { get; set; }

    /// <summary>Yields since the thread's last fair yield (controlled mode).</summary>
    internal int YieldStreak { get; set; }

    /// <summary>How many trace steps the thread has taken (controlled mode).</summary>
    internal int StepsTaken { get; set; }

    /// <summary>The last step the thread took, for deadlock and livelock reports.</summary>
    internal Trace.StepRecord? LastStep { get; set; }

    /// <summary>The step of another thread that let this one go on after a wait, until the thread's next step records it.</summary>
    internal int? WokenBy { get; set; }

    /// <summary>Returns <see cref="WokenBy"/> and forgets it.</summary>
    internal int? TakeWokenBy()
    {
        var w = WokenBy;
        WokenBy = null;
        return w;
    }

    /// <summary>A preemption let the thread run, and its next readable step is to show it (controlled mode).</summary>
    internal bool Preempting { get; set; }

    /// <summary>What the thread will do when a scheduling step next lets it run (controlled mode): the schedule record's operation.</summary>
    internal ScheduleOp PendingOp { get; set; }

    /// <summary>
    /// True once the thread's run has ended under it (the iteration is over) and it unwinds: from then on it records
    /// nothing and leaves its model operation as it was, so that the reports taken while it unwinds see the thread as it
    /// stood when the run ended.
    /// </summary>
    internal bool IsFrozen => _frozen;

    /// <summary>
    /// Freezes the thread if <paramref name="ex"/> ends its run (<see cref="Unwinding.Stops"/>, but not a vanishing in a
    /// fork, after which the run goes on); returns false, for use as an exception filter that lets the exception pass.
    /// </summary>
    internal bool Freeze(Exception ex)
    {
        if (ex is not ThreadGoneException && Unwinding.Stops(ex))
        {
            _frozen = true;
        }

        return false;
    }

    internal Action Body => _body ?? throw new InvalidOperationException("the main thread has no body to run");

    /// <summary>
    /// Starts a thread created with <see cref="SimRuntime.CreateThread"/> (the OS thread begins to exist here). In
    /// controlled mode the start is a scheduling point: other threads may run before it.
    /// Starting a thread twice is an error of the program.
    /// </summary>
    /// <exception cref="InvalidOperationException">The thread was already started.</exception>
    public void Start()
    {
        if (_started)
        {
            throw new InvalidOperationException($"{this} was already started");
        }

        Runtime.Platform.BeforeStart(this);
        _started = true;
        Runtime.Platform.StartThread(this);
    }

    /// <summary>
    /// Waits for the thread to exit: the OS join (<c>PyThread_join_thread</c>). Like a parking-lot wait, the join runs the
    /// calling thread's park hooks (<see cref="AddParkHooks"/>) around the wait (it detaches its thread state). Joining a
    /// thread twice, joining a detached thread, joining a thread that does not exist in this process, or joining oneself
    /// is an invariant violation, as each is undefined behaviour for <c>pthread_join</c>.
    /// </summary>
    public void Join() => Runtime.JoinThread(this);

    /// <summary>
    /// Detaches the thread (<c>PyThread_detach_thread</c>): its resources are released when it exits. Detaching twice,
    /// detaching a joined thread, or detaching a thread that does not exist in this process is an invariant violation.
    /// </summary>
    public void Detach() => Runtime.DetachThread(this);

    /// <inheritdoc/>
    public override string ToString() => $"T{Id}({Name})";

    /// <summary>Runs the registered hooks' <see cref="IParkHooks.BeforeBlock"/> in registration order; the returned set runs their <see cref="IParkHooks.AfterBlock"/>.</summary>
    internal ParkHookSet BeforeBlock()
    {
        var hooks = _parkHooks;
        foreach (var h in hooks)
        {
            h.BeforeBlock();
        }

        return new ParkHookSet(hooks);
    }

    internal void MarkCompleted() => _completed = true;

    internal void MarkGone() => _gone = true;

    /// <summary>True if the thread was cut short by the end of its iteration rather than finishing its body.</summary>
    internal bool WasUnwound { get; private set; }

    internal void MarkUnwound() => WasUnwound = true;

    /// <summary>Claims the one join or detach a thread allows; returns the previous claim (0 = none, 1 = join, 2 = detach).</summary>
    internal int ClaimJoinOrDetach(int how) => Interlocked.CompareExchange(ref _joinedOrDetached, how, 0);
}
