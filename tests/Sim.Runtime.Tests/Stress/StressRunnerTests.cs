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
        }, new StressOptions { Runs = 20, HangTimeout = TimeSpan.FromSeconds(60) });

        Assert.Equal(20, result.Failures);
        Assert.Equal(0, result.Hangs);
    }

    [Fact]
    public void ADeadlock_IsReportedAtOnce_NamingWhatEachThreadWaitsFor()
    {
        var result = StressRunner.Run(rt =>
        {
            var word = new AtomicInt(rt, "word");
            rt.StartThread("sleeper", () => rt.ParkingLot.Park(word, 0)).Join();
        }, new StressOptions { Runs = 10, HangTimeout = TimeSpan.FromSeconds(60) });

        Assert.Equal(10, result.Failures);
        Assert.Equal(0, result.Hangs);
        var message = Assert.Single(result.Findings).Message;
        Assert.Equal("Deadlock: no thread can run. T1(main) waits for T2(sleeper) to exit (join); T2(sleeper) parked on word", message);
    }

    [Fact]
    public void ALivelock_IsAHang_ReportedWithWhatEachThreadDid_AndTheNextRunsGoOn()
    {
        var result = StressRunner.Run(rt =>
        {
            var never = new AtomicInt(rt, "never");
            rt.StartThread("spinner", () =>
            {
                while (never.Load() == 0)
                {
                    rt.Yield("waiting for a flag nobody sets");
                }
            }).Join();
        }, new StressOptions { Runs = 3, HangTimeout = TimeSpan.FromMilliseconds(200), MaxHangs = 3 });

        Assert.Equal(3, result.Runs);
        Assert.Equal(3, result.Hangs);
        Assert.Equal(0, result.AbandonedThreads);
        var hang = Assert.Single(result.Findings);
        Assert.True(hang.IsHang);
        Assert.Equal(StressRunner.HangMessage, hang.Message);
        Assert.Contains("T1(main) waits for T2(spinner) to exit (join)", hang.Details, StringComparison.Ordinal);
        Assert.Contains("T2(spinner) running, last yield: waiting for a flag nobody sets", hang.Details, StringComparison.Ordinal);
    }

    [Fact]
    public void AnException_KeepsItsStackTrace()
    {
        var result = StressRunner.Run(rt => rt.StartThread("thrower", ThrowFromANamedMethod).Join(), new StressOptions { Runs = 2 });

        var finding = Assert.Single(result.Findings);
        Assert.Equal("T2(thrower) threw InvalidOperationException: boom", finding.Message);
        Assert.Contains(nameof(ThrowFromANamedMethod), finding.Details, StringComparison.Ordinal);
    }

    [Fact]
    public void AFinding_CarriesTheSeedOfItsFirstRun()
    {
        var result = StressRunner.Run(rt =>
        {
            var run = new AtomicInt(rt, "x");
            rt.Check(rt.ChooseInt("fail?", 4) != 0, "chose 0");
            run.FetchAdd(1);
        }, new StressOptions { Runs = 200, Seed = 1000 });

        var finding = Assert.Single(result.Findings);
        Assert.Equal(1000u, result.Seed);
        Assert.Equal(1000u + (uint)finding.FirstRun - 1, finding.Seed);

        // That seed makes the same choice again in every run.
        var again = StressRunner.Run(rt => rt.Check(rt.ChooseInt("fail?", 4) != 0, "chose 0"), new StressOptions { Runs = 20, Seed = finding.Seed, RepeatSeed = true });
        Assert.Equal(20, again.Failures);
    }

    [Fact]
    public void TheSameSeed_GivesEveryThreadTheSameChoices_AndAnotherSeedOthers()
    {
        List<string> Choices(uint seed, int runs)
        {
            var seen = new List<string>();
            StressRunner.Run(rt =>
            {
                var mine = new string[3];
                var threads = Enumerable.Range(0, 3).Select(i => rt.StartThread($"t{i}", () =>
                    mine[i] = string.Concat(Enumerable.Range(0, 16).Select(_ => rt.ChooseInt("digit", 10))))).ToList();
                threads.ForEach(t => t.Join());
                lock (seen)
                {
                    seen.Add(string.Join(",", mine));
                }
            }, new StressOptions { Runs = runs, Seed = seed, RepeatSeed = true });
            return seen;
        }

        var a = Choices(7, 20);
        Assert.Single(a.Distinct());
        Assert.NotEqual(a[0], Choices(8, 1)[0]);
    }

    [Fact]
    public void Noise_IsSeeded_PausesAtTheGivenRate_AndIsOffAtZero()
    {
        int Pauses(uint seed, double rate)
        {
            var pauses = 0;
            StressRunner.Run(rt =>
            {
                var x = new AtomicInt(rt, "x");
                var t = rt.StartThread("t", () =>
                {
                    for (var i = 0; i < 2000; i++)
                    {
                        x.FetchAdd(1);
                    }
                });
                t.Join();
                pauses = t.Production!.Pauses;
            }, new StressOptions { Runs = 1, Seed = seed, NoiseRate = rate });
            return pauses;
        }

        var first = Pauses(42, 0.1);
        Assert.Equal(first, Pauses(42, 0.1));
        Assert.InRange(first, 120, 280);
        Assert.NotEqual(first, Pauses(43, 0.1));
        Assert.Equal(0, Pauses(42, 0));
    }

    [Fact]
    public void OsThreads_AreKeptAcrossRuns()
    {
        var program = (SimRuntime rt) => Enumerable.Range(0, 3).Select(i => rt.StartThread($"t{i}", () => { })).ToList().ForEach(t => t.Join());

        var pooled = StressRunner.Run(program, new StressOptions { Runs = 200 });
        var fresh = StressRunner.Run(program, new StressOptions { Runs = 200, Launch = ThreadLaunch.Fresh });

        // A pooled worker that has not yet gone back to the pool when the next run starts costs one more OS thread, which
        // a busy machine makes more likely; still far fewer than one per simulated thread and run.
        Assert.InRange(pooled.OsThreads, 4, 80);
        Assert.Equal(800, fresh.OsThreads);
    }

    [Fact]
    public void TheGate_HoldsTheMainThreadsThreads_UntilItHasStartedThemAll()
    {
        // The main thread works between its two starts; with the gate, the first thread never begins before the second
        // exists, whatever the OS does.
        var early = 0;
        var result = StressRunner.Run(rt =>
        {
            var work = new AtomicInt(rt, "work");
            var a = rt.StartThread("a", () =>
            {
                if (rt.Threads.Count < 3)
                {
                    Interlocked.Increment(ref early);
                }
            });
            for (var i = 0; i < 2000; i++)
            {
                work.FetchAdd(1);
            }

            var b = rt.StartThread("b", () => { });
            a.Join();
            b.Join();
        }, new StressOptions { Runs = 200, NoiseRate = 0 });

        Assert.False(result.FoundBug);
        Assert.Equal(0, early);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(100, true)]
    public void TheGateLearns_HowManyThreadsTheMainThreadStartsBeforeItsFirstWait_AndWhetherItWorksMeanwhile(int work, bool works)
    {
        using var pool = new WorkerPool();
        var run = new StressRun(seed: 1, noiseRate: 0, ThreadLaunch.Gated, pool, new MainProfile(0, false));
        var main = new Thread(() =>
        {
            var rt = SimRuntime.CreateProduction(run);
            var x = new AtomicInt(rt, "x");
            var threads = Enumerable.Range(0, 2).Select(i => rt.StartThread($"t{i}", () => x.FetchAdd(1))).ToList();
            for (var i = 0; i < work; i++)
            {
                x.FetchAdd(1);
            }

            threads.ForEach(t => t.Join());
            rt.StartThread("after the first wait", () => { }).Join();
        });
        main.Start();
        main.Join();

        Assert.Equal(new MainProfile(2, works), run.Learned);
    }

    [Fact]
    public void TheGate_NeverHoldsAThreadThatTheMainThreadWaitsFor()
    {
        var result = StressRunner.Run(rt =>
        {
            var flag = new AtomicInt(rt, "flag");
            rt.StartThread("setter", () => flag.Store(1));
            while (flag.Load() == 0)
            {
                rt.Yield("waiting for the setter");
            }
        }, new StressOptions { Runs = 100, HangTimeout = TimeSpan.FromSeconds(20), MaxHangs = 1 });

        Assert.False(result.FoundBug, string.Join("; ", result.Messages.Keys));
        Assert.Equal(100, result.Runs);
    }

    [Fact]
    public void Cancelling_EndsTheRunInProgress_AndReportsTheRunsSoFar()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = StressRunner.Run(rt =>
        {
            var never = new AtomicInt(rt, "never");
            rt.StartThread("spinner", () =>
            {
                while (never.Load() == 0)
                {
                    rt.Yield("spin");
                }
            }).Join();
        }, new StressOptions { Runs = 5, HangTimeout = TimeSpan.FromSeconds(60) }, cancel: cancel.Token);

        Assert.True(result.Interrupted);
        Assert.Equal(0, result.Runs);
        Assert.Equal(0, result.AbandonedThreads);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void InvalidNoiseRate_IsRejected(double rate) =>
        Assert.Throws<ArgumentException>(() => StressRunner.Run(_ => { }, new StressOptions { Runs = 1, NoiseRate = rate }));

    [Fact]
    public void RepeatingASeed_NeedsASeed() =>
        Assert.Throws<ArgumentException>(() => StressRunner.Run(_ => { }, new StressOptions { Runs = 1, RepeatSeed = true }));

    [Fact]
    public void InvalidOptions_AreRejected() =>
        Assert.Throws<ArgumentException>(() => StressRunner.Run(_ => { }, new StressOptions()));

    private static void ThrowFromANamedMethod() => throw new InvalidOperationException("boom");
}
