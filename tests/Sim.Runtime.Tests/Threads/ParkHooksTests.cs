using Sim.Runtime.Cells;
using Sim.Runtime.Parking;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Tests.Threads;

public class ParkHooksTests
{
    private const string OneRound = "a.before b.before b.after a.after";

    [Fact]
    public void EveryRegisteredHook_RunsAroundAPark_FirstRegisteredFirstBeforeAndLastAfter_UnderExploration()
    {
        var outcomes = Reachable.Outcomes(rt =>
        {
            var flag = new AtomicInt(rt, "flag");
            var log = new List<string>();
            var waiter = rt.StartThread("waiter", () =>
            {
                rt.CurrentThread.AddParkHooks(new Logged("a", log));
                rt.CurrentThread.AddParkHooks(new Logged("b", log));
                while (flag.Load() == 0)
                {
                    rt.ParkingLot.Park(flag, 0);
                }
            });
            flag.Store(1);
            rt.ParkingLot.UnparkAll(flag);
            waiter.Join();
            return string.Join(' ', log);
        });

        // Either the waiter saw the flag before parking (no park, no hooks), or it parked once, with both hooks around it.
        Assert.Equal(new HashSet<string> { string.Empty, OneRound }, outcomes);
    }

    [Fact]
    public void EveryRegisteredHook_RunsAroundAJoin_InTheSameOrder_UnderExploration()
    {
        var outcomes = Reachable.Outcomes(rt =>
        {
            var log = new List<string>();
            rt.MainThread.AddParkHooks(new Logged("a", log));
            rt.MainThread.AddParkHooks(new Logged("b", log));
            rt.StartThread("t", () => rt.Yield("work")).Join();
            return string.Join(' ', log);
        }, iterations: 100);

        Assert.Equal(new HashSet<string> { OneRound }, outcomes);
    }

    [Fact]
    public void EveryRegisteredHook_RunsAroundAParkAndAJoin_OnRealThreads()
    {
        var rt = SimRuntime.CreateProduction();
        var log = new List<string>();
        rt.MainThread.AddParkHooks(new Logged("a", log));
        rt.MainThread.AddParkHooks(new Logged("b", log));

        Assert.Equal(ParkResult.Timeout, rt.ParkingLot.Park(new AtomicInt(rt, "word"), 0, timeoutNanos: 1_000_000));
        Assert.Equal(OneRound, string.Join(' ', log));

        log.Clear();
        rt.StartThread("t", () => { }).Join();
        Assert.Equal(OneRound, string.Join(' ', log));
    }

    [Fact]
    public void RemovedHooks_AndParksThatDoNotDetach_CallNothing()
    {
        var rt = SimRuntime.CreateProduction();
        var log = new List<string>();
        var a = new Logged("a", log);
        var b = new Logged("b", log);
        rt.MainThread.AddParkHooks(a);
        rt.MainThread.AddParkHooks(b);
        var word = new AtomicInt(rt, "word");

        rt.ParkingLot.Park(word, 0, timeoutNanos: 1_000_000, detach: false);
        Assert.Empty(log);

        Assert.True(rt.MainThread.RemoveParkHooks(a));
        Assert.False(rt.MainThread.RemoveParkHooks(a));
        rt.ParkingLot.Park(word, 0, timeoutNanos: 1_000_000);
        Assert.Equal("b.before b.after", string.Join(' ', log));
    }

    [Fact]
    public void AHookAddedDuringAWait_IsNotCalledWhenThatWaitEnds()
    {
        var rt = SimRuntime.CreateProduction();
        var log = new List<string>();
        var late = new Logged("late", log);
        rt.MainThread.AddParkHooks(new Logged("a", log, onBefore: () => rt.MainThread.AddParkHooks(late)));

        rt.ParkingLot.Park(new AtomicInt(rt, "word"), 0, timeoutNanos: 1_000_000);

        Assert.Equal("a.before a.after", string.Join(' ', log));
        Assert.True(rt.MainThread.RemoveParkHooks(late));
    }

    [Fact]
    public void RegisteringTheSameHooksTwice_IsRejected()
    {
        var rt = SimRuntime.CreateProduction();
        var a = new Logged("a", []);
        rt.MainThread.AddParkHooks(a);

        Assert.Throws<InvalidOperationException>(() => rt.MainThread.AddParkHooks(a));
    }

    private sealed class Logged(string name, List<string> log, Action? onBefore = null) : IParkHooks
    {
        public void BeforeBlock()
        {
            log.Add($"{name}.before");
            onBefore?.Invoke();
        }

        public void AfterBlock() => log.Add($"{name}.after");
    }
}
