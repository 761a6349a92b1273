using System.Collections.Immutable;

namespace Sim.Model.Threading;

/// <summary>
/// 3.12's <c>threading._shutdown</c> and its <c>_shutdown_locks</c> (<c>Lib/threading.py</c>, 3.12): the
/// <c>_tstate_lock</c> of every live non-daemon thread, which <c>_shutdown</c> acquires and releases, in rounds, until the
/// set is empty.
/// </summary>
/// <remarks>
/// Deviation: <c>_shutdown_locks</c> and <c>_shutdown_locks_lock</c> are not shared cells: <c>_set_tstate_lock</c> adds a
/// non-daemon thread's lock and <c>_shutdown</c> takes the set without a scheduling point (<c>_stop</c>'s pruning of
/// released locks is left out, since <c>_shutdown</c> acquires a released lock at once). The 3.12 join scenario's threads
/// register their locks as 3.12's do, so its schedules are the ones it had before <c>_shutdown</c> was modelled; the race
/// that matters here is when the lock is released, not how the set is kept.
/// </remarks>
public sealed partial class ThreadingModule
{
    private ImmutableList<ThreadLock> _shutdownLocks = [];

    /// <summary><c>_shutdown_locks.add(self._tstate_lock)</c>, from 3.12's <c>_set_tstate_lock</c> for a non-daemon thread.</summary>
    internal void AddShutdownLock312(ThreadLock tstateLock)
    {
        ImmutableInterlocked.Update(ref _shutdownLocks, (locks, l) => locks.Add(l), tstateLock);
    }

    /// <summary>
    /// 3.12's <c>_shutdown</c>: the main thread releases and stops its own <c>_tstate_lock</c>, then repeatedly takes (and
    /// clears) <c>_shutdown_locks</c> and acquires and releases each lock ("mimic Thread.join()"), until the set is empty
    /// ("new threads can be spawned while we were waiting for the other threads to complete").
    /// </summary>
    /// <remarks>
    /// A lock is released at the end of its thread's <c>PyThreadState_Clear</c> (<c>release_sentinel</c>), before its
    /// thread state is unlinked: so this <c>_shutdown</c> may return while a non-daemon thread still has its state.
    /// The <c>_threading_atexits</c> callbacks are not modelled.
    /// </remarks>
    private void Shutdown312(ThreadingThread312 main)
    {
        using var _ = Runtime.Enter("threading._shutdown (3.12)");
        if (main.IsStoppedForCheck)
        {
            // _shutdown() was already called
            return;
        }

        if (main.Ident == Runtime.CurrentThread.Id)
        {
            main.ReleaseAndStopAsMainThread();
        }

        // Join all non-daemon threads
        for (;;)
        {
            var locks = Interlocked.Exchange(ref _shutdownLocks, []);
            if (locks.IsEmpty)
            {
                break;
            }

            foreach (var tstateLock in locks)
            {
                // mimic Thread.join()
                tstateLock.Acquire();
                tstateLock.Release();
            }

            // new threads can be spawned while we were waiting for the other threads to complete
        }
    }
}
