using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Runtime.Stress;
using Sim.Runtime.Threads;
using Sim.Testing;

namespace Sim.Runtime.Tests.Threads;

public class SimThreadTests
{
    [Fact]
    public void Threads_GetSmallStableIds_InStartOrder()
    {
        var rt = SimRuntime.CreateProduction();
        var a = rt.StartThread("a", () => { });
        var b = rt.StartThread("b", () => { });
        a.Join();
        b.Join();

        Assert.Equal([1, 2, 3], rt.Threads.Select(t => t.Id));
        Assert.True(a.HasExited && b.HasExited);
    }

    [Fact]
    public void JoiningTwice_IsReportedAsADoubleOsJoin() =>
        Exploring.FindsBug(rt =>
        {
            var t = rt.StartThread("t", () => { });
            t.Join();
            t.Join();
        }, "T2(t) is joined twice", replays: 20);

    [Fact]
    public void JoiningAfterDetach_IsReported() =>
        Exploring.FindsBug(rt =>
        {
            var t = rt.StartThread("t", () => { });
            t.Detach();
            t.Join();
        }, "joined after it was detached");

    [Fact]
    public void JoiningItself_IsReported() =>
        Exploring.FindsBug(rt =>
        {
            SimThread? self = null;
            var ready = new AtomicInt(rt, "ready");
            self = rt.StartThread("t", () =>
            {
                while (ready.Load() == 0)
                {
                    rt.Yield("waiting for its own handle");
                }

                self!.Join();
            });
            ready.Store(1);
            self.Join();
        }, "joins itself");

    [Fact]
    public void AThreadThatThrows_IsAFinding_NotACrash()
    {
        var result = Exploring.FindsBug(rt =>
            rt.StartThread("thrower", () => throw new InvalidOperationException("boom")).Join(), "T2(thrower) threw InvalidOperationException: boom");

        Assert.Equal(FindingKind.Exception, result.Kind);
    }

    [Fact]
    public void Fork_LeavesOnlyTheCaller_AndJoiningAVanishedThreadIsReported() =>
        Exploring.FindsBug(rt =>
        {
            var done = new AtomicInt(rt, "done");
            var worker = rt.StartThread("worker", () => done.Store(1));
            while (done.Load() == 0)
            {
                rt.Yield("waiting for the worker");
            }

            rt.Fork();
            worker.Join();
        }, "which does not exist in this process");

    [Fact]
    public void Fork_StopsTheOtherThreads_EvenWhileParked() =>
        Exploring.StaysClean(rt =>
        {
            var word = new AtomicInt(rt, "word");
            var counter = new AtomicInt(rt, "counter");
            rt.StartThread("parked", () =>
            {
                rt.ParkingLot.Park(word, 0);
                counter.FetchAdd(1);
            });
            rt.StartThread("running", () =>
            {
                for (var i = 0; i < 5; i++)
                {
                    counter.FetchAdd(1);
                }
            });
            rt.Fork();
            var atFork = counter.Peek();
            rt.ParkingLot.AfterFork();
            rt.ParkingLot.UnparkAll(word);
            rt.Yield("give vanished threads a chance to misbehave");
            rt.Check(counter.Peek() == atFork, "a thread that vanished in the fork kept running");
        }, iterations: 300);

    [Fact]
    public void OnRealThreads_AThreadLeftBehindByAFork_ReportsNoFinding()
    {
        // On real threads a vanished thread runs on until its next Runtime point; a check it fails meanwhile sees the
        // child's memory, where it does not exist: not a finding.
        var result = StressRunner.Run(rt =>
        {
            var running = new AtomicInt(rt, "running");
            var forked = new ManualResetEventSlim();
            var checkedAfterFork = new ManualResetEventSlim();
            rt.StartThread("left-behind", () =>
            {
                running.Store(1);
                forked.Wait(); // outside the Runtime: no Runtime point between the fork and the check
                try
                {
                    rt.Check(false, "a check failed by a thread that does not exist in the fork child");
                }
                finally
                {
                    checkedAfterFork.Set();
                }
            });
            while (running.Load() == 0)
            {
                rt.Yield("waiting for the thread to run");
            }

            rt.Fork();
            forked.Set();
            checkedAfterFork.Wait();
        }, new StressOptions { Runs = 20, HangTimeout = TimeSpan.FromSeconds(5), MaxHangs = 1 });

        Assert.False(result.FoundBug, string.Join("; ", result.Messages.Keys));
        Assert.Equal(20, result.Runs);
    }

    [Fact]
    public void Fork_AVanishedThreadsFinally_DoesNotReleaseTheChildsLock() =>
        Exploring.StaysClean(ForkWhileAThreadHoldsALock, iterations: 300);

    [Fact]
    public void OnRealThreads_AVanishedThreadsFinally_DoesNotReleaseTheChildsLock()
    {
        var result = StressRunner.Run(ForkWhileAThreadHoldsALock, new StressOptions { Runs = 50, HangTimeout = TimeSpan.FromSeconds(5), MaxHangs = 1 });

        Assert.False(result.FoundBug, string.Join("; ", result.Messages.Keys));
        Assert.Equal(50, result.Runs);
    }

    /// <summary>
    /// A thread takes a lock word and waits in a <c>try</c> whose <c>finally</c> releases it (as a <c>using</c> of a
    /// critical section does); the fork leaves it behind, holding the word, and the child keeps the word as the fork left
    /// it. The vanished thread unwinds through its <c>finally</c>, whose store must not reach the child's memory.
    /// </summary>
    private static void ForkWhileAThreadHoldsALock(SimRuntime rt)
    {
        var word = new AtomicInt(rt, "lock");
        var gate = new AtomicInt(rt, "gate");
        var holder = rt.StartThread("holder", () =>
        {
            word.Store(1);
            try
            {
                rt.ParkingLot.Park(gate, 0);
            }
            finally
            {
                word.Store(0);
            }
        });
        while (word.Load() == 0)
        {
            rt.Yield("waiting for the holder to take the lock");
        }

        rt.Fork();
        rt.ParkingLot.AfterFork();
        while (!holder.HasExited)
        {
            rt.Yield("waiting for the vanished thread to unwind");
        }

        rt.Check(word.Load() == 1, "a thread that vanished in the fork released the child's lock in its finally");
    }

    [Fact]
    public void Choices_ReachEveryValue_AndNoOther()
    {
        var outcomes = Reachable.Outcomes(rt => rt.ChooseBool("pick one?") ? rt.ChooseInt("which", 3) : -1, iterations: 200);

        Assert.Equal(new HashSet<int> { -1, 0, 1, 2 }, outcomes);
    }

    [Fact]
    public void AFailureThatDependsOnChoices_Replays_BecauseTheTraceRecordsThem() =>
        Exploring.FindsBug(rt =>
        {
            if (rt.ChooseBool("fail?") && rt.ChooseInt("which", 3) == 2)
            {
                rt.Fail("chose true and 2");
            }
        }, "chose true and 2", replays: 20);
}

public class ThreadCreationTests
{
    [Fact]
    public void ACreatedThread_RunsOnlyOnceStarted_AndCarriesItsStateFromBeforeTheStart() =>
        Exploring.StaysClean(rt =>
        {
            var ran = new AtomicInt(rt, "ran");
            var t = rt.CreateThread("t", () => ran.Store(rt.CurrentThread.ModelState is "prepared" ? 1 : 2));
            t.ModelState = "prepared";
            rt.Check(ran.Load() == 0 && !t.IsStarted, "the thread ran before it was started");
            t.Start();
            t.Join();
            rt.Check(ran.Peek() == 1, "the thread did not see the state prepared before its start");
        }, iterations: 100);

    [Fact]
    public void StartingAThread_IsASchedulingPoint_SoAnotherThreadMayRunBetweenTheStartersLastStepAndTheStart()
    {
        // The watcher sees the starter's store and then asks whether the child exists yet. With no scheduling point at
        // the start, the starter would go from its store to the start in one go, and "stored, not started" never shows.
        var seen = Outcomes.Observed<(int Stored, bool Started)>((rt, observe) =>
        {
            var stored = new AtomicInt(rt, "stored");
            var child = rt.CreateThread("child", () => { });
            var watcher = rt.StartThread("watcher", () => observe((stored.Load(), child.IsStarted)));
            stored.Store(1);
            child.Start();
            watcher.Join();
            child.Join();
        });

        Assert.Contains((1, false), seen);
        Assert.Contains((1, true), seen);
        Assert.Contains((0, false), seen);
        Assert.DoesNotContain((0, true), seen);
    }

    [Fact]
    public void ACreatedThreadThatNeverStarts_NeitherBlocksTheEnd_NorCanBeJoined() =>
        Exploring.FindsBug(rt =>
        {
            var t = rt.CreateThread("never", () => { });
            rt.StartThread("other", () => rt.Yield("nothing to do")).Join();
            t.Join();
        }, "which was never started");

    [Fact]
    public void Fork_OnRealThreads_StopsAVanishedThreadAtItsNextPark()
    {
        var result = Sim.Runtime.Stress.StressRunner.Run(rt =>
        {
            var word = new AtomicInt(rt, "word");
            var started = new AtomicInt(rt, "started");
            rt.StartThread("parker", () =>
            {
                started.Store(1);
                rt.ParkingLot.Park(word, 0);
            });
            while (started.Load() == 0)
            {
                rt.Yield("waiting for the parker");
            }

            rt.Fork();
            rt.ParkingLot.AfterFork();
        }, new Sim.Runtime.Stress.StressOptions { Runs = 50, HangTimeout = TimeSpan.FromSeconds(5), MaxHangs = 1 });

        Assert.Equal(0, result.Hangs);
        Assert.False(result.FoundBug, string.Join("; ", result.Messages.Keys));
    }
}
