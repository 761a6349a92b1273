using Sim.Runtime.Cells;

namespace Sim.Model.Threading;

/// <summary>
/// <c>threading.Thread</c> in CPython 3.12 (<c>Lib/threading.py</c>), the design gh-114271 replaced. The new thread
/// creates a lock with <c>_thread._set_sentinel()</c> (registered as its thread state's <c>on_delete</c>), stores it in
/// <c>_tstate_lock</c> and acquires it; <c>release_sentinel</c> releases it at the end of <c>PyThreadState_Clear</c>.
/// <c>join()</c> runs <c>_wait_for_tstate_lock</c>: acquire the lock, release it, call <c>_stop()</c>; <c>_stop</c> asserts
/// that the lock is not held, then sets <c>_is_stopped</c> and clears <c>_tstate_lock</c>. Nothing serialises joiners, so
/// one joiner's <c>_stop</c> can find the lock held by another joiner that is between its acquire and release: the
/// seed's race.
/// </summary>
/// <remarks>
/// Each read and write of <c>_tstate_lock</c> and <c>_is_stopped</c> is its own plain-cell step, as each Python attribute
/// access is a separate bytecode. <c>_set_tstate_lock</c> registers a non-daemon thread's lock for 3.12's
/// <c>threading._shutdown</c> (<see cref="ThreadingModule.Shutdown"/>; see its deviations).
/// </remarks>
public sealed class ThreadingThread312 : ThreadingThread
{
    private readonly PlainCell<ThreadLock?> _tstateLock;
    private readonly PlainCell<bool> _isStopped;

    internal ThreadingThread312(ThreadingModule threading, string name, Action? target, bool daemon)
        : base(threading, name, target, daemon)
    {
        _tstateLock = new PlainCell<ThreadLock?>(Runtime, $"{name}._tstate_lock", null);
        _isStopped = new PlainCell<bool>(Runtime, $"{name}._is_stopped", false);
    }

    /// <summary><c>_tstate_lock</c>, read without a scheduling point (for checks).</summary>
    public ThreadLock? TstateLockForCheck => _tstateLock.Peek();

    /// <summary><c>_is_stopped</c>, read without a scheduling point (for checks).</summary>
    public bool IsStoppedForCheck => _isStopped.Peek();

    /// <inheritdoc/>
    public override void Start()
    {
        using var _ = Runtime.Enter($"Thread.start({Name})");
        if (Started.IsSet())
        {
            throw new ThreadError("threads can only be started once");
        }

        Threading.CThreadModule.StartNewThreadDetached(Bootstrap, Name);
        Started.Wait();
    }

    /// <inheritdoc/>
    public override bool IsAlive()
    {
        using var _ = Runtime.Enter($"Thread.is_alive({Name})");
        if (_isStopped.Read() || !Started.IsSet())
        {
            return false;
        }

        WaitForTstateLock(block: false);
        return !_isStopped.Read();
    }

    /// <summary>
    /// 3.12's <c>_shutdown</c> on the main thread: <c>tlock = _main_thread._tstate_lock; assert tlock is not None; assert
    /// tlock.locked(); tlock.release(); _main_thread._stop()</c>.
    /// </summary>
    internal void ReleaseAndStopAsMainThread()
    {
        var tlock = _tstateLock.Read();
        Runtime.Check(tlock is not null && tlock.Locked(), "threading._shutdown: the main thread's _tstate_lock is not held (assert tlock.locked())");
        tlock.Release();
        Stop();
    }

    /// <summary><c>_MainThread.__init__</c>: the main thread sets its lock and is started.</summary>
    internal void InitMainThread()
    {
        SetTstateLock();
        Started.Notify();
        SetIdent();
    }

    /// <inheritdoc/>
    private protected override void JoinStarted(long timeoutNanos) => WaitForTstateLock(block: true, timeoutNanos);

    /// <summary><c>_bootstrap_inner</c> (3.12): <c>_set_ident</c>, <c>_set_tstate_lock</c>, <c>_started.set()</c>, <c>run()</c>.</summary>
    private void Bootstrap()
    {
        using var _ = Runtime.Enter($"Thread._bootstrap_inner({Name})");
        SetIdent();
        SetTstateLock();
        Started.Notify();
        Run();
    }

    /// <summary>
    /// <c>_set_tstate_lock</c>: <c>self._tstate_lock = _set_sentinel(); self._tstate_lock.acquire()</c>; a non-daemon
    /// thread's lock joins <c>_shutdown_locks</c>.
    /// </summary>
    private void SetTstateLock()
    {
        _tstateLock.Write(SetSentinel());
        var lockObject = _tstateLock.Read()!;
        lockObject.Acquire();
        if (!Daemon)
        {
            Threading.AddShutdownLock312(lockObject);
        }
    }

    /// <summary>
    /// <c>_thread._set_sentinel()</c> (3.12): a new lock, which the current thread state's <c>on_delete</c>
    /// (<c>release_sentinel</c>) will release.
    /// </summary>
    private ThreadLock SetSentinel()
    {
        var interp = Threading.Interp;
        var lockObject = new ThreadLock(Runtime, $"{Name}.sentinel", interp.Config.Locks);
        interp.CurrentThreadState.SetOnDeleteSentinel(lockObject);
        return lockObject;
    }

    /// <summary>
    /// <c>_wait_for_tstate_lock(block=True, timeout=-1)</c>: if <c>_tstate_lock</c> is None, assert <c>_is_stopped</c>;
    /// else if acquiring it succeeds, release it and <c>_stop()</c>.
    /// </summary>
    private void WaitForTstateLock(bool block, long timeoutNanos = -1)
    {
        using var _ = Runtime.Enter($"Thread._wait_for_tstate_lock({Name})");
        var lockObject = _tstateLock.Read();
        if (lockObject is null)
        {
            Runtime.Check(_isStopped.Read(), $"_wait_for_tstate_lock: {Name}._tstate_lock is None but _is_stopped is False (assert self._is_stopped)");
        }
        else if (lockObject.Acquire(block, timeoutNanos))
        {
            lockObject.Release();
            Stop();
        }
    }

    /// <summary>
    /// <c>_stop()</c>: <c>lock = self._tstate_lock; if lock is not None: assert not lock.locked()</c>, then
    /// <c>_is_stopped = True</c> and <c>_tstate_lock = None</c> (in that order, so that the assert in
    /// <c>_wait_for_tstate_lock</c> holds).
    /// </summary>
    private void Stop()
    {
        using var _ = Runtime.Enter($"Thread._stop({Name})");
        var lockObject = _tstateLock.Read();
        if (lockObject is not null)
        {
            Runtime.Check(!lockObject.Locked(), $"_stop: {Name}._tstate_lock is held (AssertionError: assert not lock.locked())");
        }

        _isStopped.Write(true);
        _tstateLock.Write(null);
    }
}
