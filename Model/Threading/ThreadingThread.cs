using Sim.Runtime.Threads;
using Sim.Model.Locks;
using Sim.Runtime;

namespace Sim.Model.Threading;

/// <summary>
/// <c>threading.Thread</c> (<c>Lib/threading.py</c>): <c>start</c>, <c>join</c>, <c>is_alive</c> and the bootstrap that runs
/// on the new thread. Two designs derive from it: 3.13's, which joins through the thread's
/// <see cref="PyThreadHandleObject"/> (<see cref="ThreadingThread313"/>), and 3.12's, which waits on <c>_tstate_lock</c>
/// (<see cref="ThreadingThread312"/>). <see cref="ThreadingModule.NewThread"/> picks one from the configuration.
/// </summary>
/// <remarks>
/// Deviations: <c>_started</c> is a <c>threading.Event</c> (a <c>Condition</c> over a lock) in CPython and a
/// <see cref="PyEvent"/> here, since only <c>set</c>, <c>wait</c> and <c>is_set</c> are used. The <c>_active</c> and
/// <c>_limbo</c> bookkeeping, names, <c>native_id</c>, excepthook and trace hooks are not modelled.
/// </remarks>
public abstract class ThreadingThread
{
    private long _ident;

    /// <summary><c>Thread.__init__(target=..., name=..., daemon=...)</c>.</summary>
    private protected ThreadingThread(ThreadingModule threading, string name, Action? target, bool daemon)
    {
        Threading = threading;
        Runtime = threading.Interp.Runtime;
        Name = name;
        Target = target;
        Daemon = daemon;
        Started = new PyEvent(Runtime, $"{name}._started");
    }

    /// <summary>The <c>threading</c> module.</summary>
    public ThreadingModule Threading { get; }

    /// <summary>The thread's name.</summary>
    public string Name { get; }

    /// <summary><c>daemon</c>: the interpreter does not wait for a daemon thread at shutdown.</summary>
    public bool Daemon { get; }

    /// <summary><c>_started</c>: set by the new thread once it runs.</summary>
    public PyEvent Started { get; }

    /// <summary><c>ident</c>: the thread's identifier (<see cref="SimThread.Id"/>), 0 before it runs.</summary>
    /// <remarks>Written by the new thread before it sets <see cref="Started"/>; read after <see cref="Started"/> is seen set.</remarks>
    public long Ident => Volatile.Read(ref _ident);

    /// <summary>The runtime.</summary>
    protected SimRuntime Runtime { get; }

    /// <summary>The function <c>run()</c> calls.</summary>
    protected Action? Target { get; }

    /// <summary><c>start()</c>: starts the thread and waits until it has started running.</summary>
    public abstract void Start();

    /// <summary>
    /// <c>join(timeout=None)</c>: waits until the thread terminates or the timeout (nanoseconds; -1 = none) expires;
    /// afterwards <see cref="IsAlive"/> tells which.
    /// </summary>
    /// <exception cref="ThreadError">The thread was not started ("cannot join thread before it is started"), or is the
    /// caller ("cannot join current thread").</exception>
    public void Join(long timeoutNanos = -1)
    {
        using var _ = Runtime.Enter($"Thread.join({Name})");
        if (!Started.IsSet())
        {
            throw new ThreadError("cannot join thread before it is started");
        }

        if (Ident == Runtime.CurrentThread.Id)
        {
            throw new ThreadError("cannot join current thread");
        }

        // historically .join(timeout=x) for x<0 has acted as if timeout=0
        JoinStarted(timeoutNanos < -1 ? 0 : timeoutNanos);
    }

    /// <summary><c>is_alive()</c>: true from just before <c>run()</c> starts until just after the thread terminates.</summary>
    public abstract bool IsAlive();

    /// <inheritdoc/>
    public override string ToString() => $"<Thread({Name}{(Daemon ? ", daemon" : string.Empty)})>";

    /// <summary>The design's part of <see cref="Join"/>, after the checks.</summary>
    private protected abstract void JoinStarted(long timeoutNanos);

    /// <summary><c>_set_ident()</c>, on the new thread.</summary>
    private protected void SetIdent() => Volatile.Write(ref _ident, Runtime.CurrentThread.Id);

    /// <summary><c>run()</c>: calls the target.</summary>
    private protected void Run() => Target?.Invoke();
}
