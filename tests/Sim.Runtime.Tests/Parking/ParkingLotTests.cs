using System.Runtime.CompilerServices;
using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Runtime.Parking;
using Sim.Testing;

namespace Sim.Runtime.Tests.Parking;

public class ParkingLotTests
{
    [Fact]
    public void Park_WhenValueDiffers_ReturnsAgainWithoutBlocking()
    {
        var rt = SimRuntime.CreateProduction();
        var word = new AtomicInt(rt, "word", 1);

        Assert.Equal(ParkResult.Again, rt.ParkingLot.Park(word, expected: 0));
    }

    [Fact]
    public void Unpark_WithNoWaiter_CallsBackWithNullParkArgument()
    {
        var rt = SimRuntime.CreateProduction();
        var word = new AtomicInt(rt, "word");
        var calls = new List<(object? Arg, bool More)>();

        rt.ParkingLot.Unpark(word, calls, static (log, arg, more) => log.Add((arg, more)));

        Assert.Equal([(null, false)], calls);
    }

    [Fact]
    public void Park_WithoutUnpark_Deadlocks_AndTheReportNamesTheWaiter()
    {
        var result = Exploring.FindsBug(rt =>
        {
            var word = new AtomicInt(rt, "word");
            rt.StartThread("sleeper", () => rt.ParkingLot.Park(word, 0)).Join();
        }, "Deadlock");

        Assert.Equal(FindingKind.Deadlock, result.Kind);
        Assert.Contains("T2(sleeper) parked on word", result.Message, StringComparison.Ordinal);
        Assert.Contains("T1(main) waits for T2(sleeper) to exit", result.Message, StringComparison.Ordinal);
        Assert.StartsWith(Explorer.DeadlockPrefix, result.EngineReport, StringComparison.Ordinal); // what Coyote itself wrote
    }

    [Fact]
    public void FlagAndUnpark_NeverLosesAWakeup_UnderExploration() =>
        Exploring.StaysClean(FlagHandshake);

    [Fact]
    public void FlagAndUnpark_NeverLosesAWakeup_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(FlagHandshake, runs: 200);

    [Fact]
    public void AWaiterWhoseParkWordIsNotItsCondition_LosesTheWakeup() =>
        Exploring.FindsBug(rt =>
        {
            // The waiter checks one word and parks on another that never changes, so the parking lot's compare cannot
            // catch an unpark that came between the check and the park: the hazard that compare exists to prevent.
            var flag = new AtomicInt(rt, "flag");
            var word = new AtomicInt(rt, "word");
            var waiter = rt.StartThread("waiter", () =>
            {
                if (flag.Load() == 0)
                {
                    rt.ParkingLot.Park(word, 0);
                }
            });
            flag.Store(1);
            rt.ParkingLot.UnparkAll(word);
            waiter.Join();
        }, "Deadlock");

    [Fact]
    public void UnparkAll_WakesEveryWaiter_AndTheCallbackSeesParkArguments()
    {
        Exploring.StaysClean(rt =>
        {
            var gate = new AtomicInt(rt, "gate");
            var waiters = Enumerable.Range(0, 3).Select(i => rt.StartThread($"w{i}", () =>
            {
                while (gate.Load() == 0)
                {
                    rt.ParkingLot.Park(gate, 0);
                }
            })).ToList();
            gate.Store(1);
            rt.ParkingLot.UnparkAll(gate);
            waiters.ForEach(t => t.Join());
        }, iterations: 300);

        Exploring.StaysClean(rt =>
        {
            var word = new AtomicInt(rt, "word");
            var seen = new PlainCell<string?>(rt, "seen");
            var waiter = rt.StartThread("w", () => rt.ParkingLot.Park(word, 0, parkArg: "entry"));
            while (seen.Peek() is null)
            {
                rt.ParkingLot.Unpark(word, seen, static (s, arg, more) => s.Reinitialize(arg as string));
                rt.Yield("waiting for the waiter to park");
            }

            waiter.Join();
            rt.Check(seen.Peek() == "entry", $"park_arg was {seen.Peek()}");
        }, iterations: 300);
    }

    [Fact]
    public void TimedPark_WithNobodyToWakeIt_TimesOut_AndTheClockPassesTheDeadline() =>
        Exploring.StaysClean(rt =>
        {
            var word = new AtomicInt(rt, "word");
            var before = rt.MonotonicNanos;
            var result = rt.ParkingLot.Park(word, 0, timeoutNanos: 5_000_000);
            rt.Check(result == ParkResult.Timeout, $"park returned {result}");
            rt.Check(rt.MonotonicNanos - before >= 5_000_000, $"only {rt.MonotonicNanos - before} ns passed");
        }, iterations: 100);

    [Fact]
    public void TimedPark_WithAWakeupComing_EndsEitherWoken_OrTimedOutEarlyAsAControlledChoice()
    {
        var outcomes = Reachable.Outcomes(rt =>
        {
            var word = new AtomicInt(rt, "word");
            var result = ParkResult.Interrupted;
            var waiter = rt.StartThread("w", () => result = rt.ParkingLot.Park(word, 0, timeoutNanos: 1_000_000_000, parkArg: "w"));

            // Unpark until the waiter is dequeued or gone: while this thread can run, the virtual clock never makes the
            // timeout fire, so a timeout can only be the controlled choice to let it fire early.
            var dequeued = new StrongBox<bool>();
            while (!dequeued.Value && !waiter.HasExited)
            {
                rt.ParkingLot.Unpark(word, dequeued, static (d, arg, _) => d.Value = arg is not null);
                rt.Yield("waiting for the waiter to park");
            }

            waiter.Join();
            return result;
        });

        Assert.Equal(new HashSet<ParkResult> { ParkResult.Ok, ParkResult.Timeout }, outcomes);
    }

    [Fact]
    public void TimedPark_OnRealThreads_TimesOut()
    {
        var rt = SimRuntime.CreateProduction();
        var word = new AtomicInt(rt, "word");

        Assert.Equal(ParkResult.Timeout, rt.ParkingLot.Park(word, 0, timeoutNanos: 20_000_000));
    }

    private static void FlagHandshake(SimRuntime rt)
    {
        var flag = new AtomicInt(rt, "flag");
        var waiter = rt.StartThread("waiter", () =>
        {
            while (flag.Load() == 0)
            {
                rt.ParkingLot.Park(flag, 0);
            }
        });
        flag.Store(1);
        rt.ParkingLot.UnparkAll(flag);
        waiter.Join();
    }
}
