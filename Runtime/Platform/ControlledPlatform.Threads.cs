using Microsoft.Coyote.Runtime;
using Sim.Runtime.Scheduling;
using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Platform;

/// <summary>
/// Threads: each simulated thread is a Coyote operation whose body runs on an OS thread (<see cref="HostThreads"/>: one
/// kept from an earlier body, or a new one); its exit is what a join waits for.
/// </summary>
internal sealed partial class ControlledPlatform
{
    /// <summary>
    /// Starting a thread is a synchronisation (everything the starter did happens before the new thread's steps), so,
    /// as before every other one, a scheduling point: other threads may run between the starter's last step and the
    /// start. Once started, the new thread is runnable at the next decision, the starter's next scheduling point.
    /// </summary>
    public override void BeforeStart(SimThread thread)
    {
        if (_atomicDepth == 0 && SimThread.Current is { } me && ReferenceEquals(me.Runtime, Runtime))
        {
            ThrowIfStopped(me);
            Interleave(me, ScheduleOp.Step(AccessKind.Spawn, thread.ToString()));
        }
    }

    public override void StartThread(SimThread thread)
    {
        var id = Operation.CreateNext()
            ?? throw new InvalidOperationException("controlled mode needs a Coyote testing iteration; use Explorer to run a program");
        var host = new HostedRun(() => Run(thread, id), $"sim {thread}", CoyoteThreadState.OperationWithId(id));
        thread.Host = host;
        thread.PendingOp = ScheduleOp.Start;
        Record(AccessKind.Spawn, thread.ToString());
        if (SimThread.Current is { } parent)
        {
            Races?.Started(parent, thread);
        }

        Operation.Start(id);
        _settings.Hosts.Start(host);
    }

    public override void WaitForExit(SimThread me, SimThread target)
    {
        Step(AccessKind.Join, target.ToString());
        Block(new BlockInfo(me, $"waits for {target} to exit (join)", () => target.HasExited, BlockInfo.Never, earlyTimeout: false) { JoinTarget = target });
    }

    /// <summary>A join of <paramref name="target"/> returned: a step that shows it, and the edge from the target's exit.</summary>
    public void Joined(SimThread me, SimThread target)
    {
        Races?.Joined(me, target);
        me.WokenBy = target.LastStep?.Index;
        Record(AccessKind.Joined, target.ToString());
    }

    private void Run(SimThread thread, ulong id)
    {
        try
        {
            Operation.OnStarted(id);
            SimThread.Current = thread;

            // In a gated run the starter takes no Coyote scheduling point after the start (the policy decides), so Coyote
            // does not wait for this thread to begin, and the iteration may end (a failure of the starter) before it
            // does. Coyote then no longer pauses it (OnStarted and PauseUntil return at once): the run's end, marked
            // before Coyote is told, is what stops it taking a step, here and after its wait for its turn (which unwinds).
            if (Runtime.HasEnded)
            {
                return;
            }

            // A started operation is enabled at once: in a gated run its first act is to wait for its turn.
            if (_policy is not null && _turn != thread.Id)
            {
                WaitForTurn(thread, null);
            }

            Resumed(thread);
            ThrowIfStopped(thread);
            thread.Body();
        }
        catch (ThreadExitException)
        {
            // PyThread_exit_thread: a normal exit.
        }
        catch (Exception ex) when (Unwinding.Stops(ex))
        {
            thread.MarkUnwound();
        }
        catch (Exception ex)
        {
            try
            {
                ReportThreadException(thread, ex);
            }
            catch (Exception inner) when (Unwinding.Stops(inner))
            {
            }
        }
        finally
        {
            Races?.Exited(thread);
            thread.MarkCompleted();
            try
            {
                if (!Runtime.HasEnded && !thread.IsFrozen)
                {
                    Decide(thread, canContinue: false);
                }

                Operation.OnCompleted();
                Operation.ScheduleNext();
            }
            catch (Exception ex) when (Unwinding.Stops(ex))
            {
            }

            SimThread.Current = null;
        }
    }
}
