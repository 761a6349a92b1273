using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Runtime.Races;
using Sim.Testing;

namespace Sim.Runtime.Tests.Races;

/// <summary>
/// The race detector: which edges order plain accesses (start, join, acquire/release atomics by memory order, release
/// sequences, the parking lot, fork), that an unordered pair is a finding naming both accesses even when no invariant
/// breaks, and that a field declared racy is listed instead of checked.
/// </summary>
public class HappensBeforeTests
{
    [Fact]
    public void AnUnorderedWriteAndRead_IsADataRace_NamingBothAccesses_EvenThoughNoCheckFails()
    {
        var result = Exploring.FindsBug(rt =>
        {
            var data = new PlainCell<int>(rt, "data");
            var writer = rt.StartThread("writer", () =>
            {
                using var _ = rt.Enter("publish");
                data.Write(1);
            });
            var reader = rt.StartThread("reader", () =>
            {
                using var _ = rt.Enter("consume");
                data.Read();
            });
            writer.Join();
            reader.Join();
        }, "data race on data");

        Assert.Equal(FindingKind.DataRace, result.Kind);
        var race = Assert.IsType<DataRace>(result.Race);
        Assert.Equal("data", race.Field);
        Assert.NotEqual(race.Earlier.ThreadId, race.Later.ThreadId);
        Assert.True(race.Earlier.IsWrite || race.Later.IsWrite);
        Assert.Contains(race.Earlier.Operation, new[] { "publish", "consume" });
        Assert.Contains(race.Later.Operation, new[] { "publish", "consume" });
        Assert.True(race.Earlier.Step < race.Later.Step);
        Assert.Equal(race.Later.Step, result.Steps[^2].Index); // the racing access, then the failing step
        Assert.Contains($"at step #{race.Earlier.Step}", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoReads_NeverRace() =>
        Exploring.StaysClean(rt =>
        {
            var data = new PlainCell<int>(rt, "data", 7);
            var ts = Enumerable.Range(0, 2).Select(i => rt.StartThread($"r{i}", () => data.Read())).ToList();
            ts.ForEach(t => t.Join());
        }, iterations: 200);

    [Fact]
    public void StartAndJoin_OrderTheParentsAndTheChildsAccesses() =>
        Exploring.StaysClean(rt =>
        {
            var data = new PlainCell<int>(rt, "data");
            data.Write(1);
            var child = rt.StartThread("child", () => data.Write(data.Read() + 1));
            child.Join();
            rt.Check(data.Read() == 2, "lost the child's write");
        }, iterations: 200);

    [Theory]
    [InlineData(MemoryOrder.Release, MemoryOrder.Acquire)]
    [InlineData(MemoryOrder.SeqCst, MemoryOrder.SeqCst)]
    [InlineData(MemoryOrder.AcquireRelease, MemoryOrder.AcquireRelease)]
    public void MessagePassing_WithAReleaseStoreAndAnAcquireLoad_IsClean(MemoryOrder store, MemoryOrder load) =>
        Exploring.StaysClean(rt => MessagePassing(rt, store, load), iterations: 300);

    [Theory]
    [InlineData(MemoryOrder.Relaxed, MemoryOrder.Acquire)]
    [InlineData(MemoryOrder.Release, MemoryOrder.Relaxed)]
    [InlineData(MemoryOrder.Relaxed, MemoryOrder.Relaxed)]
    public void MessagePassing_WithARelaxedSide_IsADataRace(MemoryOrder store, MemoryOrder load) =>
        Exploring.FindsBug(rt => MessagePassing(rt, store, load), "data race on data");

    [Fact]
    public void AReadModifyWrite_ContinuesTheReleaseSequence_ARelaxedStoreEndsIt()
    {
        // The producer publishes with a release store; a relaxed fetch_add in between keeps the consumer's acquire
        // synchronised with the producer (C11 release sequence); a relaxed store in between breaks it.
        Exploring.StaysClean(rt => ReleaseSequence(rt, (flag) => flag.FetchAdd(1, MemoryOrder.Relaxed)), iterations: 300);
        Exploring.FindsBug(rt => ReleaseSequence(rt, (flag) => flag.Store(2, MemoryOrder.Relaxed)), "data race on data");
    }

    [Fact]
    public void ALock_BuiltFromAnAcquireCasAndAReleaseStore_OrdersItsCriticalSections() =>
        Exploring.StaysClean(rt => SpinLocked(rt, MemoryOrder.Acquire, MemoryOrder.Release), iterations: 300);

    [Fact]
    public void ALock_BuiltFromRelaxedAtomics_DoesNotOrderItsCriticalSections() =>
        Exploring.FindsBug(rt => SpinLocked(rt, MemoryOrder.Relaxed, MemoryOrder.Relaxed), "data race on counter");

    [Fact]
    public void AnUnpark_HappensBeforeTheWokenThreadResumes() =>
        Exploring.StaysClean(rt => ParkHandoff(rt, readBeforePark: false), iterations: 300);

    [Fact]
    public void AReadBeforeParking_IsNotOrderedByTheLaterWakeUp() =>
        Exploring.FindsBug(rt => ParkHandoff(rt, readBeforePark: true), "data race on data");

    [Fact]
    public void AFieldDeclaredRacy_IsNotChecked_AndIsListedWithItsReason()
    {
        var result = Exploring.StaysClean(rt =>
        {
            var hint = new PlainCell<int>(rt, "hint") { DeliberatelyRacy = "a hint read without a lock on purpose" };
            var ts = Enumerable.Range(0, 2).Select(i => rt.StartThread($"t{i}", () => hint.Write(hint.Read() + 1))).ToList();
            ts.ForEach(t => t.Join());
        }, iterations: 100);

        Assert.Equal([new RacyField("hint", "a hint read without a lock on purpose")], result.RacyFields);
    }

    [Fact]
    public void WithDetectionOff_ARaceIsNotAFinding() =>
        Exploring.StaysClean(rt =>
        {
            var data = new PlainCell<int>(rt, "data");
            var t = rt.StartThread("t", () => data.Write(1));
            data.Read();
            t.Join();
        }, iterations: 100, Exploring.Options with { DetectRaces = false });

    [Fact]
    public void AfterFork_TheChildIsOrderedAfterTheVanishedThreads() =>
        Exploring.StaysClean(rt =>
        {
            var data = new PlainCell<int>(rt, "data");
            rt.StartThread("other", () => data.Write(1));
            rt.Fork();
            data.Write(2);
        }, iterations: 200);

    private static void MessagePassing(SimRuntime rt, MemoryOrder store, MemoryOrder load)
    {
        var data = new PlainCell<int>(rt, "data");
        var ready = new AtomicInt(rt, "ready");
        var producer = rt.StartThread("producer", () =>
        {
            data.Write(42);
            ready.Store(1, store);
        });
        var consumer = rt.StartThread("consumer", () =>
        {
            if (ready.Load(load) == 1)
            {
                rt.Check(data.Read() == 42, "saw ready but not the data");
            }
        });
        producer.Join();
        consumer.Join();
    }

    private static void ReleaseSequence(SimRuntime rt, Action<AtomicInt> middle)
    {
        var data = new PlainCell<int>(rt, "data");
        var flag = new AtomicInt(rt, "flag");
        var producer = rt.StartThread("producer", () =>
        {
            data.Write(42);
            flag.Store(1, MemoryOrder.Release);
        });
        var bumper = rt.StartThread("bumper", () =>
        {
            while (flag.Load(MemoryOrder.Relaxed) == 0)
            {
                rt.Yield("waiting for the producer");
            }

            middle(flag);
        });
        var consumer = rt.StartThread("consumer", () =>
        {
            if (flag.Load(MemoryOrder.Acquire) == 2)
            {
                data.Read();
            }
        });
        producer.Join();
        bumper.Join();
        consumer.Join();
    }

    private static void SpinLocked(SimRuntime rt, MemoryOrder acquire, MemoryOrder release)
    {
        var locked = new AtomicInt(rt, "locked");
        var counter = new PlainCell<int>(rt, "counter");
        var ts = Enumerable.Range(0, 2).Select(i => rt.StartThread($"t{i}", () =>
        {
            var expected = 0;
            while (!locked.CompareExchange(ref expected, 1, acquire))
            {
                expected = 0;
                rt.Yield("spinning");
            }

            counter.Write(counter.Read() + 1);
            locked.Store(0, release);
        })).ToList();
        ts.ForEach(t => t.Join());
    }

    private static void ParkHandoff(SimRuntime rt, bool readBeforePark)
    {
        var word = new AtomicInt(rt, "word");
        var data = new PlainCell<int>(rt, "data");
        var waiter = rt.StartThread("waiter", () =>
        {
            if (readBeforePark)
            {
                data.Read();
            }

            rt.ParkingLot.Park(word, 0, parkArg: "waiter");
            rt.Check(data.Read() == 42, "woken without the data");
        });
        data.Write(42);
        var woke = new bool[1];
        while (!woke[0])
        {
            rt.ParkingLot.Unpark(word, woke, static (w, arg, _) => w[0] |= arg is not null);
            rt.Yield("waiting for the waiter to park");
        }

        waiter.Join();
    }
}
