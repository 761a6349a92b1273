using Sim.Runtime.Exploration;
using Sim.Runtime.Scheduling;
using Sim.Testing;

namespace Sim.Runtime.Tests.Scheduling;

public class ScheduleRecordTests
{
    [Fact]
    public void EveryStep_RecordsTheThreadThatRan_TheRunnableThreads_AndWhatItDid()
    {
        var found = Exploring.FindsBug(Programs.LostUpdate, "lost update", replays: 0);
        var schedule = found.Schedule!;

        Assert.All(schedule.Entries.Where(e => !e.IsChoice), e => Assert.True(e.Runnable.Contains(e.Thread), e.ToString()));
        var first = schedule.Entries[0];
        Assert.Equal(1, first.From);
        Assert.Equal("T1", first.Runnable.ToString());
        Assert.Equal("spawn T2(a)", first.Op.ToString()); // a thread's start is a scheduling point
        Assert.Contains(schedule.Entries, e => e.Runnable.ToString() == "T1,T2,T3");
        Assert.True(schedule.Entries.Any(e => e.Op.ToString() == "load x"), string.Join("; ", schedule.Entries));
        Assert.True(schedule.Entries.Any(e => e.Op.ToString() == "store x"), string.Join("; ", schedule.Entries));
    }

    [Fact]
    public void EachStep_WasDecidedByTheThreadThatRanBefore()
    {
        var schedule = Exploring.FindsBug(Programs.LostUpdate, "lost update", replays: 0).Schedule!;

        var previous = 1;
        foreach (var e in schedule.Entries.Where(e => !e.IsChoice))
        {
            Assert.Equal(previous, e.From);
            previous = e.Thread;
        }
    }

    [Fact]
    public void APreemption_IsASwitchAwayFromAThreadThatCouldGoOn_NotFromOneThatBlockedOrExited()
    {
        var schedule = Exploring.FindsBug(Programs.LostUpdate, "lost update", replays: 0).Schedule!;
        var steps = schedule.Entries.Where(e => !e.IsChoice).ToList();

        Assert.Equal(steps.Count(e => e.Thread != e.From && e.Runnable.Contains(e.From)), schedule.Preemptions);
        Assert.True(schedule.Preemptions >= 1, "a lost update needs a thread switched out between its read and its write");
        Assert.All(steps.Where(e => !e.Runnable.Contains(e.From)), e => Assert.False(e.IsPreemption));
    }

    [Fact]
    public void EveryEntry_ReadsBackFromTheTextTraceFilesHold()
    {
        var choices = Exploring.FindsBug(Programs.FailsOnChoice, "stored 2", replays: 0).Schedule!;
        var race = Exploring.FindsBug(Programs.LostUpdate, "lost update", replays: 0).Schedule!;

        foreach (var schedule in new[] { choices, race })
        {
            var from = 1;
            foreach (var e in schedule.Entries)
            {
                Assert.True(ScheduleEntry.TryParse(e.ToString(), from, out var back), e.ToString());
                Assert.Equal(e, back);
                from = e.IsChoice ? from : e.Thread;
            }
        }

        Assert.Contains(choices.Entries, e => e.IsChoice && e.ToString() == "T2 chose 2 of 3: which value to store");
    }

    [Theory]
    [InlineData("")]
    [InlineData("T2 of : load x")]
    [InlineData("T2 of T1,T3: load x")]
    [InlineData("T0 of T0: load x")]
    [InlineData("T65 of T65: load x")]
    [InlineData("T2 of T2: teleport x")]
    [InlineData("T1 chose 3 of 3: too far")]
    [InlineData("T1 chose 0 of 0: nothing")]
    public void TextThatIsNotAnEntry_DoesNotParse(string text) =>
        Assert.False(ScheduleEntry.TryParse(text, 1, out _));

    [Fact]
    public void ACleanExploration_RecordsItsLastIteration_AndNoStepsToShow()
    {
        var result = Exploring.StaysClean(Programs.AtomicCounter, iterations: 5);

        Assert.NotNull(result.Schedule);
        Assert.True(result.Schedule!.Steps > 0);
        Assert.Empty(result.Steps);
    }

    [Fact]
    public void AProgramWithMoreThan64Threads_IsAnErrorOfTheScenario()
    {
        var result = Explorer.Explore(rt =>
        {
            for (var i = 0; i < 70; i++)
            {
                rt.StartThread($"t{i}", () => { });
            }
        }, Exploring.Options with { Iterations = 1 });

        Assert.Equal(Outcome.ScenarioError, result.Outcome);
        Assert.Contains("at most 64 simulated threads", result.Message, StringComparison.Ordinal);
    }
}
