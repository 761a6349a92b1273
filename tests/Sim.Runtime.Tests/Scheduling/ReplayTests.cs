using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Runtime.Scheduling;
using Sim.Testing;

namespace Sim.Runtime.Tests.Scheduling;

public class ReplayTests
{
    [Fact]
    public void AReplay_GatesEveryStepToTheRecordedThread_AndFailsTheSameWay_TwentyTimesOutOfTwenty()
    {
        var found = Exploring.FindsBug(Programs.LostUpdate, "lost update", replays: 0);

        for (var i = 0; i < 20; i++)
        {
            var again = Explorer.Replay(Programs.LostUpdate, found.Schedule!, Exploring.Options);

            Assert.Equal(Outcome.BugFound, again.Outcome);
            Assert.Equal(found.Message, again.Message);
            Assert.Equal(found.Steps, again.Steps);
            Assert.Equal(found.Schedule!.Entries, again.Schedule!.Entries);
        }
    }

    [Fact]
    public void AReplay_TakesTheRecordedChoices()
    {
        var found = Exploring.FindsBug(Programs.FailsOnChoice, "stored 2", replays: 0);

        var again = Explorer.Replay(Programs.FailsOnChoice, found.Schedule!, Exploring.Options);

        Assert.Equal("stored 2", again.Message);
    }

    [Fact]
    public void AReplay_OfAnotherProgram_DivergesAtItsFirstStep_AndSaysWhere()
    {
        var found = Exploring.FindsBug(Programs.LostUpdate, "lost update", replays: 0);

        var other = Explorer.Replay(Programs.AtomicCounter, found.Schedule!, Exploring.Options);

        Assert.Equal(Outcome.ReplayFailed, other.Outcome);
        Assert.StartsWith("the schedule diverges: at step ", other.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AReplay_OfAnEmptyRecord_DivergesInsteadOfExploring()
    {
        var replay = Explorer.Replay(Programs.LostUpdate, ScheduleRecord.Empty, Exploring.Options);

        Assert.Equal(Outcome.ReplayFailed, replay.Outcome);
        Assert.Equal("the schedule diverges: at step 1 the program goes on, but the record ends after 0 steps", replay.Message);
        Assert.Equal(1, replay.Iterations);
    }

    [Fact]
    public void AReplay_OfARecordCutShort_DivergesWhereTheRecordEnds()
    {
        var schedule = Exploring.FindsBug(Programs.LostUpdate, "lost update", replays: 0).Schedule!;
        var cut = new ScheduleRecord(schedule.Entries.Take(schedule.Entries.Count - 2));

        var replay = Explorer.Replay(Programs.LostUpdate, cut, Exploring.Options);

        Assert.Equal(Outcome.ReplayFailed, replay.Outcome);
        Assert.Contains($"the record ends after {cut.Steps} steps", replay.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AReplay_OfARecordWithExtraEntries_DivergesAtTheEndOfTheRun()
    {
        var schedule = Exploring.FindsBug(Programs.LostUpdate, "lost update", replays: 0).Schedule!;
        var longer = new ScheduleRecord([.. schedule.Entries, schedule.Entries[^1]]);

        var replay = Explorer.Replay(Programs.LostUpdate, longer, Exploring.Options);

        Assert.Equal(Outcome.ReplayFailed, replay.Outcome);
        Assert.Contains("the record holds 1 more entries", replay.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AReplay_OfAStepEditedToAnotherThread_DivergesOrFailsOtherwise_NeverSilently()
    {
        var schedule = Exploring.FindsBug(Programs.LostUpdate, "lost update", replays: 0).Schedule!;
        var i = schedule.Entries.ToList().FindIndex(e => !e.IsChoice && e.Runnable.Count > 1);
        var e = schedule.Entries[i];
        var other = e.Runnable.Ids().First(id => id != e.Thread);
        var edited = new ScheduleRecord(schedule.Entries.Select((x, j) => j == i ? ScheduleEntry.Step(other, x.From, x.Runnable, x.Op) : x));

        var replay = Explorer.Replay(Programs.LostUpdate, edited, Exploring.Options);

        Assert.Equal(Outcome.ReplayFailed, replay.Outcome);
        Assert.Contains($"at step {i + 1} T{other} would", replay.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AReplay_OfAChoiceWithAnotherLabel_Diverges()
    {
        var schedule = Exploring.FindsBug(Programs.FailsOnChoice, "stored 2", replays: 0).Schedule!;
        var edited = new ScheduleRecord(schedule.Entries.Select(e => e.IsChoice ? ScheduleEntry.Choice(e.Thread, "another label", e.Count, e.Value) : e));

        var replay = Explorer.Replay(Programs.FailsOnChoice, edited, Exploring.Options);

        Assert.Equal(Outcome.ReplayFailed, replay.Outcome);
        Assert.Contains("makes the choice \"which value to store\" among 3, but the record has T2's \"another label\"", replay.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALivelock_ReplaysToTheSameLivelock_AtTheEndOfItsRecord()
    {
        static void Spin(SimRuntime rt)
        {
            var flag = new AtomicInt(rt, "flag");
            rt.StartThread("spinner", () =>
            {
                while (flag.Load() == 0)
                {
                    rt.Yield("flag");
                }
            }).Join();
        }

        var options = Exploring.Options with { MaxSteps = 200 };
        var found = Explorer.Explore(Spin, options);
        Assert.Equal(FindingKind.Livelock, found.Kind);

        var again = Explorer.Replay(Spin, found.Schedule!, options, endsInLivelock: true);

        Assert.Equal(FindingKind.Livelock, again.Kind);
        Assert.Equal(found.Message, again.Message);
        Assert.Equal(found.Steps, again.Steps);
    }

    [Fact]
    public void ADeadlock_ReplaysWithTheSameReport_ThreadsInIdOrder_WhatEachWaitsForAndIsIn()
    {
        static void Inversion(SimRuntime rt)
        {
            var a = new AtomicInt(rt, "a");
            var b = new AtomicInt(rt, "b");
            void Lock(AtomicInt m)
            {
                using var _ = rt.Enter($"lock({m.Name})");
                var unlocked = 0;
                while (!m.CompareExchange(ref unlocked, 1))
                {
                    rt.ParkingLot.Park(m, 1);
                    unlocked = 0;
                }
            }

            void Unlock(AtomicInt m)
            {
                m.Store(0);
                rt.ParkingLot.UnparkAll(m);
            }

            void Both(AtomicInt first, AtomicInt second)
            {
                Lock(first);
                Lock(second);
                Unlock(second);
                Unlock(first);
            }

            var t1 = rt.StartThread("ab", () => Both(a, b));
            var t2 = rt.StartThread("ba", () => Both(b, a));
            using (rt.Enter("joining"))
            {
                t1.Join();
                t2.Join();
            }
        }

        var found = Exploring.FindsBug(Inversion, "Deadlock", replays: 20);

        Assert.Equal(
            "Deadlock: no thread can run. T1(main) waits for T2(ab) to exit (join) in joining; T2(ab) parked on b in lock(b); T3(ba) parked on a in lock(a)",
            found.Message);
    }
}
