using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Runtime.Stress;
using Sim.Testing;

namespace Sim.Runtime.Tests.Threads;

/// <summary>
/// Daemon threads (<see cref="Sim.Runtime.Threads.SimThread.IsDaemon"/>): the program's end waits for every other thread,
/// not for them, lets them run on while the process exits (a scheduling point), and stops them wherever they are.
/// <see cref="SimRuntime.ExitThread"/> ends a
/// thread early, as <c>PyThread_exit_thread</c> does.
/// </summary>
public class DaemonThreadTests
{
    [Fact]
    public void ADaemonBlockedForever_DoesNotHoldUpTheEnd_AndIsNoDeadlock() =>
        Exploring.StaysClean(rt =>
        {
            var word = new AtomicInt(rt, "never");
            rt.StartThread("daemon", () => rt.ParkingLot.Park(word, 0), daemon: true);
            rt.StartThread("worker", () => word.Load());
        }, iterations: 200);

    [Fact]
    public void ADaemonStillRunning_RunsOnWhileTheProcessExits_ThenStopsWhereItIs()
    {
        // The daemon spins forever; each iteration still ends. Between the end of the program's body and the process's
        // exit (a scheduling point) it may take steps, as a real daemon thread runs on while exit() runs.
        var seen = Outcomes.Observed<int>((rt, observe) =>
        {
            var counter = new AtomicInt(rt, "counter");
            var ended = new AtomicInt(rt, "ended");
            rt.StartThread("spinner", () =>
            {
                for (;;)
                {
                    observe(ended.Peek());
                    counter.FetchAdd(1);
                    rt.Yield("spin");
                }
            }, daemon: true);
            counter.Load();
            ended.Reinitialize(1);
        }, iterations: 200);

        Assert.Equal(new HashSet<int> { 0, 1 }, seen);
    }

    [Fact]
    public void ANonDaemonBlockedForever_IsStillADeadlock()
    {
        var result = Exploring.FindsBug(rt =>
        {
            var word = new AtomicInt(rt, "never");
            rt.StartThread("daemon", () => rt.ParkingLot.Park(word, 0), daemon: true);
            rt.StartThread("stuck", () => rt.ParkingLot.Park(word, 0));
        }, "T3(stuck) parked on never");

        Assert.Equal(FindingKind.Deadlock, result.Kind);
    }

    [Fact]
    public void ExitThread_EndsTheThreadThere_AndAJoinReturns() =>
        Exploring.StaysClean(rt =>
        {
            var after = new AtomicInt(rt, "after");
            var t = rt.StartThread("t", () =>
            {
                rt.ExitThread();
#pragma warning disable CS0162 // Unreachable code: what the test checks.
                after.Store(1);
#pragma warning restore CS0162
            });
            t.Join();
            rt.Check(t.HasExited && after.Load() == 0, "the thread went on after PyThread_exit_thread");
        }, iterations: 50);

    [Fact]
    public void ExitThread_OnTheMainThread_IsAnErrorOfTheProgram()
    {
        var rt = SimRuntime.CreateProduction();
        Assert.Throws<InvalidOperationException>(rt.ExitThread);
    }

    [Fact]
    public void OnRealThreads_DaemonsBlockedOrSpinning_StopAtTheEnd_WithoutAHang()
    {
        var result = StressRunner.Run(rt =>
        {
            var word = new AtomicInt(rt, "never");
            rt.StartThread("parked", () => rt.ParkingLot.Park(word, 0), daemon: true);
            rt.StartThread("spinner", () =>
            {
                for (;;)
                {
                    rt.Yield("spin");
                }
            }, daemon: true);
            rt.StartThread("exits", rt.ExitThread).Join();
        }, new StressOptions { Runs = 50, HangTimeout = TimeSpan.FromSeconds(5), MaxHangs = 1 });

        Assert.Equal(0, result.Hangs);
        Assert.False(result.FoundBug, string.Join("; ", result.Messages.Keys));
        Assert.Equal(50, result.Runs);
    }
}
