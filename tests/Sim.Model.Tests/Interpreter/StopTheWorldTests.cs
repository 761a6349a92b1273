using Sim.Model.Interpreter;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Runtime.Threads;
using Sim.Testing;

namespace Sim.Model.Tests.Interpreter;

/// <summary>
/// Stop-the-world (<see cref="StopTheWorldState"/>, <c>stop_the_world</c> and <c>start_the_world</c>): while the world is
/// stopped every other thread it covers is SUSPENDED and changes nothing; afterwards every thread runs again. The model
/// checks the first half itself (a failed check is a finding), so these tests also show that it never fires on 3.13.
/// </summary>
public class StopTheWorldTests
{
    [Fact]
    public void StopTheWorld_SuspendsEveryWorker_AndTheirObjectsStayPut_UntilStartTheWorld() =>
        Exploring.StaysClean(rt =>
        {
            var interp = MemoryKit.Interp(rt);
            var (workers, cells) = Workers(rt, interp, 2);
            interp.StopTheWorld();
            var before = cells.Select(c => c.Read()).ToArray();
            rt.Check(interp.ThreadStatesForCheck.Where(t => t != interp.MainThreadState).All(t => t.State.Peek() == ThreadStateStatus.Suspended),
                "a worker is not SUSPENDED while the world is stopped");
            rt.Check(cells.Select(c => c.Read()).SequenceEqual(before), "a worker changed its object while the world is stopped");
            interp.StartTheWorld();
            MemoryKit.Join(interp, workers);
            rt.Check(cells.All(c => c.Peek() == 2), "a worker did not finish its rounds after the world restarted");
        }, iterations: 500);

    [Fact]
    public void StopTheWorld_WithNoOtherThread_StopsAtOnce()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        interp.StopTheWorld();
        Assert.True(interp.StopTheWorldState.WorldStoppedForCheck);
        Assert.Same(interp.MainThreadState, interp.StopTheWorldState.RequesterForCheck);
        interp.StartTheWorld();
        Assert.False(interp.StopTheWorldState.WorldStoppedForCheck);
        Assert.False(interp.StopTheWorldState.RequestedForCheck);
    }

    [Fact]
    public void TheGlobalStop_PausesTheThreadsOfEveryInterpreter() =>
        Exploring.StaysClean(rt =>
        {
            var main = MemoryKit.Interp(rt);
            var other = new AtomicInt(rt, "other.value");
            var s = rt.StartThread("S", () =>
            {
                var sub = new PyInterpreterState(main.RuntimeState);
                var w = MemoryKit.Start(rt, sub, "W", t =>
                {
                    other.FetchAdd(1);
                    t.CheckPeriodic();
                    other.FetchAdd(1);
                });
                MemoryKit.Join(sub, w);
                sub.MainThreadState.Clear();
                sub.MainThreadState.DeleteCurrent();
            });
            main.RuntimeState.StopTheWorldAll();
            var before = other.Load();
            rt.Check(other.Load() == before, "a thread of the other interpreter changed its object while the world is stopped");
            main.RuntimeState.StartTheWorldAll();
            MemoryKit.Join(main, s);
        }, iterations: 300);

    [Fact]
    public void AThreadStateCreatedDuringAStop_StartsSuspended_AndOtherwiseDetached()
    {
        var seen = Outcomes.Observed<string>((rt, observe) =>
        {
            var interp = MemoryKit.Interp(rt);
            var creator = MemoryKit.Start(rt, interp, "creator", t =>
            {
                var created = interp.NewThreadState(rt.CreateThread("never started", () => { }));
                observe(ThreadStateStatus.Describe(created.State.Peek()));
                t.CheckPeriodic();
                created.Clear();
                created.Delete();
            });
            interp.StopTheWorld();
            interp.StartTheWorld();
            MemoryKit.Join(interp, creator);
        }, iterations: 300);

        Assert.Equal(new HashSet<string> { "DETACHED", "SUSPENDED" }, seen);
    }

    [Fact]
    public void OnRealThreads_StopTheWorldWithWorkers_RunsClean() =>
        Exploring.RunsCleanOnRealThreads(rt =>
        {
            var interp = MemoryKit.Interp(rt);
            var (workers, cells) = Workers(rt, interp, 2);
            for (var round = 0; round < 3; round++)
            {
                interp.StopTheWorld();
                var before = cells.Select(c => c.Read()).ToArray();
                rt.Check(cells.Select(c => c.Read()).SequenceEqual(before), "a worker changed its object while the world is stopped");
                interp.StartTheWorld();
            }

            MemoryKit.Join(interp, workers);
        }, runs: 100);

    /// <summary>Workers that each update an object of their own twice, with a blocking call and a periodic check in between.</summary>
    private static (SimThread[] Workers, PlainCell<int>[] Cells) Workers(SimRuntime rt, PyInterpreterState interp, int n)
    {
        var cells = Enumerable.Range(0, n).Select(i => new PlainCell<int>(rt, $"o{i}.value")).ToArray();
        var workers = cells.Select((c, i) => MemoryKit.Start(rt, interp, $"W{i}", t =>
        {
            for (var round = 0; round < 2; round++)
            {
                c.Write(c.Read() + 1);
                t.Detach();
                t.Attach();
                t.CheckPeriodic();
            }
        })).ToArray();
        return (workers, cells);
    }
}
