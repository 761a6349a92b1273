using System.Diagnostics;
using Sim.Runtime.Cells;
using Sim.Runtime.Parking;
using Sim.Runtime.Platform;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Tests.Platform;

public class ProductionPlatformTests
{
    [Fact]
    public void TimedPark_BlocksForItsWholeTimeout_InsteadOfSpinningThroughItsLastMillisecond()
    {
        var rt = SimRuntime.CreateProduction();
        var word = new AtomicInt(rt, "word");
        var clock = Stopwatch.StartNew();

        Assert.Equal(ParkResult.Timeout, rt.ParkingLot.Park(word, 0, timeoutNanos: 5_500_000));

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(5.5), $"returned after {clock.Elapsed.TotalMilliseconds} ms");
        Assert.InRange(rt.MainThread.Production!.TimedWakeups, 1, 3);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(0.001, 1)]
    [InlineData(0.999, 1)]
    [InlineData(1.001, 2)]
    [InlineData(250, 250)]
    public void WaitMilliseconds_RoundsUp_SoThatNoWaitIsZeroWhileTimeRemains(double milliseconds, int expected) =>
        Assert.Equal(expected, ProductionPlatform.WaitMilliseconds((long)Math.Round(milliseconds * Stopwatch.Frequency / 1000)));

    [Fact]
    public void AParkNoThreadCanEnd_IsADeadlock_ReportedAtOnce()
    {
        var rt = SimRuntime.CreateProduction();
        var word = new AtomicInt(rt, "word");

        Assert.Throws<RunEndedException>(() => rt.ParkingLot.Park(word, 0));

        Assert.Equal("Deadlock: no thread can run. T1(main) parked on word", rt.Failure?.Message);
        Assert.Equal(Sim.Runtime.Exploration.FindingKind.Deadlock, rt.Failure?.Kind);
    }

    [Fact]
    public void JoiningAThreadParkedForever_IsADeadlock_NamingBothWaits()
    {
        var rt = SimRuntime.CreateProduction();
        var word = new AtomicInt(rt, "word");
        var parked = rt.StartThread("parked", () => rt.ParkingLot.Park(word, 0));

        Assert.Throws<RunEndedException>(parked.Join);

        Assert.Equal("Deadlock: no thread can run. T1(main) waits for T2(parked) to exit (join); T2(parked) parked on word", rt.Failure?.Message);
    }

    [Fact]
    public void ATimedWait_IsNotADeadlock()
    {
        var rt = SimRuntime.CreateProduction();
        var word = new AtomicInt(rt, "word");
        var waiter = rt.StartThread("waiter", () => rt.ParkingLot.Park(word, 0, timeoutNanos: 20_000_000));

        waiter.Join();

        Assert.Null(rt.Failure?.Message);
    }
}
