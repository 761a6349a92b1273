using Sim.Runtime.Cells;
using Sim.Runtime.Stress;

namespace Sim.Runtime.Tests.Stress;

public class StressRunnerTests
{
    [Fact]
    public void EveryFailingRun_IsCounted_WithItsMessage()
    {
        var result = StressRunner.Run(rt => rt.StartThread("t", () => rt.Fail("always")).Join(), new StressOptions { Runs = 5 });

        Assert.Equal(5, result.Runs);
        Assert.Equal(5, result.Failures);
        Assert.Equal(5, result.Messages["always"]);
        Assert.Equal(1, result.FirstFailingRun);
    }

    [Fact]
    public void ARunThatNeverFinishes_IsCountedAsAHang()
    {
        var result = StressRunner.Run(rt =>
        {
            var word = new AtomicInt(rt, "word");
            rt.StartThread("sleeper", () => rt.ParkingLot.Park(word, 0)).Join();
        }, new StressOptions { Runs = 3, HangTimeout = TimeSpan.FromMilliseconds(200), MaxHangs = 1 });

        Assert.Equal(1, result.Hangs);
        Assert.Equal(1, result.Runs);
        Assert.True(result.FoundBug);
        Assert.Contains(StressRunner.HangMessage, result.Messages.Keys);
    }

    [Fact]
    public void AFailure_EndsTheRun_InsteadOfLeavingTheOtherThreadsBlocked()
    {
        var result = StressRunner.Run(rt =>
        {
            var held = new AtomicInt(rt, "held", 1);
            var waiters = Enumerable.Range(0, 3).Select(i => rt.StartThread($"waiter{i}", () =>
            {
                while (held.Load() == 1)
                {
                    rt.ParkingLot.Park(held, 1);
                }
            })).ToList();
            rt.StartThread("holder", () => rt.Fail("failed while holding the lock")).Join();
            waiters.ForEach(w => w.Join());
        }, new StressOptions { Runs = 20, HangTimeout = TimeSpan.FromSeconds(10) });

        Assert.Equal(20, result.Failures);
        Assert.Equal(0, result.Hangs);
    }

    [Fact]
    public void ACleanProgram_RunsForTheGivenNumberOfRuns()
    {
        var result = StressRunner.Run(rt =>
        {
            var x = new AtomicInt(rt, "x");
            rt.StartThread("t", () => x.FetchAdd(1)).Join();
            rt.Check(x.Peek() == 1, "lost");
        }, new StressOptions { Runs = 20 });

        Assert.False(result.FoundBug);
        Assert.Equal(20, result.Runs);
    }

    [Fact]
    public void InvalidOptions_AreRejected() =>
        Assert.Throws<ArgumentException>(() => StressRunner.Run(_ => { }, new StressOptions()));
}
