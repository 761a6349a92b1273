using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Runtime.Tests.Scheduling;
using Sim.Testing;

namespace Sim.Runtime.Tests.Exploration;

/// <summary>
/// OS threads reused across iterations (<see cref="ExplorationOptions.ReuseOsThreads"/>), under exploration: the
/// simulated threads of later iterations run on the OS threads of earlier ones, including threads that were blocked
/// when a deadlock ended their iteration, and nothing of the result changes: the same bug at the same iteration with the
/// same steps, the same counts in a run to completion, and replays that reproduce. (On real threads:
/// <c>Platform/HostThreadsTests</c>.)
/// </summary>
public class ThreadReuseTests
{
    private static readonly ExplorationOptions Reusing = Exploring.Options with { ReuseOsThreads = true };
    private static readonly ExplorationOptions Fresh = Exploring.Options with { ReuseOsThreads = false };

    [Fact]
    public void LaterIterations_RunOnTheOsThreadsOfEarlierOnes()
    {
        Assert.InRange(OsThreadsUsed(Reusing, iterations: 100), 2, 20);
        Assert.Equal(200, OsThreadsUsed(Fresh, iterations: 100));
    }

    [Fact]
    public void ABug_IsTheSame_WithAndWithoutReuse_AndItsTraceReplaysEitherWay()
    {
        var reused = Exploring.FindsBug(Programs.LostUpdate, "lost update", Reusing with { Strategy = Strategy.Random });
        var fresh = Exploring.FindsBug(Programs.LostUpdate, "lost update", Fresh with { Strategy = Strategy.Random });

        Assert.Equal(fresh.Iterations, reused.Iterations);
        Assert.Equal(fresh.SchedulingSteps, reused.SchedulingSteps);
        Assert.Equal(fresh.Steps, reused.Steps);
        var replayed = Explorer.Replay(Programs.LostUpdate, reused.Schedule!, Fresh);
        Assert.Equal(reused.Steps, replayed.Steps);
    }

    [Fact]
    public void ThreadsBlockedWhenADeadlockEndedTheirIteration_AreReused_AndEveryIterationCountsTheSame()
    {
        // The worker parks unless the main thread's store came first, and nothing unparks it: a deadlock in the schedules
        // that run the worker first. Each such iteration ends with the worker blocked inside Coyote; it is woken
        // and unwinds, and its OS thread runs a later iteration's worker.
        var threads = new HashSet<Thread>(ReferenceEqualityComparer.Instance);
        void Program(SimRuntime rt)
        {
            var w = new AtomicInt(rt, "w");
            var worker = rt.StartThread("worker", () =>
            {
                lock (threads)
                {
                    threads.Add(Thread.CurrentThread);
                }

                if (w.Load() == 0)
                {
                    rt.ParkingLot.Park(w, 0);
                }
            });
            w.Store(1);
            worker.Join();
        }

        var options = Exploring.Options with { Iterations = 200, RunToCompletion = true, Strategy = Strategy.Random };
        var reused = Explorer.Explore(Program, options with { ReuseOsThreads = true });
        var reusedThreads = threads.Count;
        threads.Clear();
        var fresh = Explorer.Explore(Program, options with { ReuseOsThreads = false });

        Assert.Equal(Outcome.BugFound, reused.Outcome);
        Assert.Equal(FindingKind.Deadlock, reused.Kind);
        Assert.InRange(reused.Completion!.FailedIterations, 20, 180);
        Assert.Equal(fresh.Completion!.FailedIterations, reused.Completion.FailedIterations);
        Assert.Equal(fresh.Completion.Groups, reused.Completion.Groups);
        Assert.Equal(fresh.SchedulingSteps, reused.SchedulingSteps);
        Assert.Equal(fresh.Steps, reused.Steps);
        Assert.Equal(200, threads.Count);
        Assert.InRange(reusedThreads, 1, 40);
    }

    [Fact]
    public void AThreadStartedJustBeforeAFailure_TakesNoStep_InTheRunOrItsReplays()
    {
        // In a replay (a gated run) the main thread takes no Coyote scheduling point between the start and its failure, so
        // the worker's body may begin only after the iteration has ended, when Coyote no longer pauses it: it must take
        // no step then, or the replay runs past the end of the record (a kept OS thread starts a body quickly enough to
        // make that the usual case).
        void Program(SimRuntime rt)
        {
            var x = new AtomicInt(rt, "x");
            rt.StartThread("worker", () => x.FetchAdd(1));
            rt.Check(false, "fails at once");
        }

        foreach (var options in new[] { Reusing, Fresh })
        {
            var result = Exploring.FindsBug(Program, "fails at once", options, replays: 20);
            Assert.DoesNotContain(result.Steps, s => s.ThreadId == 2);
        }
    }

    [Fact]
    public void ACleanProgram_TakesTheSameStepsWithAndWithoutReuse()
    {
        var reused = Exploring.StaysClean(Programs.AtomicCounter, 300, Reusing);
        var fresh = Exploring.StaysClean(Programs.AtomicCounter, 300, Fresh);
        Assert.Equal(fresh.SchedulingSteps, reused.SchedulingSteps);
        Assert.Equal(fresh.CoyoteSteps, reused.CoyoteSteps);
    }

    private static int OsThreadsUsed(ExplorationOptions options, uint iterations)
    {
        var threads = new HashSet<Thread>(ReferenceEqualityComparer.Instance);
        void Record()
        {
            lock (threads)
            {
                threads.Add(Thread.CurrentThread);
            }
        }

        Exploring.StaysClean(rt =>
        {
            var a = rt.StartThread("a", Record);
            var b = rt.StartThread("b", Record);
            a.Join();
            b.Join();
        }, iterations, options);
        return threads.Count;
    }
}
