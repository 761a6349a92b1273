using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Runtime.Threads;
using Sim.Testing;

namespace Sim.Runtime.Tests.Exploration;

/// <summary>
/// How a simulated thread that is still paused in Coyote stops when its iteration ends (<see cref="SimRuntime.End"/>):
/// it is woken through its Coyote operation and unwinds from the Runtime's own check after the pause, at a known point,
/// never by an asynchronous <see cref="Thread.Interrupt"/>, which lands at whatever interruptible wait the thread reaches
/// next (including waits inside .NET's native code, where it aborts the process).
/// </summary>
public class IterationEndTests
{
    [Fact]
    public void AThreadPausedWhenADeadlockEndsItsIteration_UnwindsFromTheRuntime_NotFromAnInterrupt()
    {
        var seen = new List<Type>();
        var result = Explorer.Explore(rt => ParkedWorker(rt, seen), Exploring.Options with { Iterations = 200, RunToCompletion = true });

        Assert.Equal(FindingKind.Deadlock, result.Kind);
        Assert.Equal((int)result.Completion!.FailedIterations, seen.Count);
        Assert.All(seen, t => Assert.Equal(typeof(RunEndedException), t));
    }

    [Fact]
    public void AThreadWaitingForItsTurnInAReplay_UnwindsFromTheRuntime_NotFromAnInterrupt()
    {
        var seen = new List<Type>();
        var found = Exploring.FindsBug(rt => ParkedWorker(rt, seen), "Deadlock");
        seen.Clear();

        var replayed = Explorer.Replay(rt => ParkedWorker(rt, seen), found.Schedule!, Exploring.Options);

        Assert.Equal(FindingKind.Deadlock, replayed.Kind);
        Assert.Equal([typeof(RunEndedException)], seen);
    }

    /// <summary>The worker parks unless the main thread's store came first, and nothing unparks it: a deadlock in the schedules that run the worker first.</summary>
    private static void ParkedWorker(SimRuntime rt, List<Type> seen)
    {
        var w = new AtomicInt(rt, "w");
        var worker = rt.StartThread("worker", () =>
        {
            try
            {
                if (w.Load() == 0)
                {
                    rt.ParkingLot.Park(w, 0);
                }
            }
            catch (Exception ex)
            {
                lock (seen)
                {
                    seen.Add(ex.GetType());
                }

                throw;
            }
        });
        w.Store(1);
        worker.Join();
    }
}
