namespace Sim.Model.Threading;

/// <summary>
/// <c>threading.Thread</c> in CPython 3.13 (<c>Lib/threading.py</c>): the thread owns a <c>_thread._ThreadHandle</c>,
/// <c>start()</c> calls <c>_start_joinable_thread(self._bootstrap, handle=self._handle, daemon=self.daemon)</c>,
/// <c>join()</c> is <c>self._handle.join(timeout)</c> and <c>is_alive()</c> is
/// <c>self._started.is_set() and not self._handle.is_done()</c>. No Python-level state is shared between joiners: the
/// handle serialises them (gh-114271).
/// </summary>
public sealed class ThreadingThread313 : ThreadingThread
{
    internal ThreadingThread313(ThreadingModule threading, string name, Action? target, bool daemon, PyThreadHandleObject? handle = null)
        : base(threading, name, target, daemon) =>
        Handle = handle ?? threading.CThreadModule.NewThreadHandle(name);

    /// <summary><c>_handle</c>.</summary>
    public PyThreadHandleObject Handle { get; }

    /// <inheritdoc/>
    public override void Start()
    {
        using var _ = Runtime.Enter($"Thread.start({Name})");
        if (Started.IsSet())
        {
            throw new ThreadError("threads can only be started once");
        }

        Threading.CThreadModule.StartJoinableThread(Bootstrap, Name, Handle, Daemon);
        Started.Wait();
    }

    /// <inheritdoc/>
    public override bool IsAlive()
    {
        using var _ = Runtime.Enter($"Thread.is_alive({Name})");
        return Started.IsSet() && !Handle.IsDone();
    }

    /// <summary>Marks a thread that already runs (the main thread) as started, with its ident.</summary>
    internal void MarkStartedOnCurrentThread()
    {
        SetIdent();
        Started.Notify();
    }

    /// <inheritdoc/>
    private protected override void JoinStarted(long timeoutNanos) => Handle.Join(timeoutNanos);

    /// <summary><c>_bootstrap_inner</c> (3.13): <c>_set_ident</c>, <c>_started.set()</c>, <c>run()</c>.</summary>
    private void Bootstrap()
    {
        using var _ = Runtime.Enter($"Thread._bootstrap_inner({Name})");
        SetIdent();
        Started.Notify();
        Run();
    }
}
