using Sim.Runtime.Cells;
using Sim.Runtime.Trace;
using Sim.Testing;

namespace Sim.Runtime.Tests.Trace;

/// <summary>
/// What the readable trace marks on each step: preemptions (a switch away from a thread that could have gone on, not one
/// that blocked or yielded), blocking, and the step that let a waiting thread go on.
/// </summary>
public class StepMarksTests
{
    [Fact]
    public void ALostUpdate_NeedsAPreemption_AndItsTraceMarksThePreemptionsOfItsScheduleRecord()
    {
        var result = Exploring.FindsBug(rt =>
        {
            var x = new AtomicInt(rt, "x");
            var ts = Enumerable.Range(0, 2).Select(i => rt.StartThread($"t{i}", () => x.Store(x.Load() + 1))).ToList();
            ts.ForEach(t => t.Join());
            rt.Check(x.Peek() == 2, "lost update");
        }, "lost update");

        Assert.Contains(result.Steps, s => s.Preempted);
        Assert.False(result.Steps[0].Preempted);
        Assert.InRange(result.Steps.Count(s => s.Preempted), 1, result.Schedule!.Preemptions);
    }

    [Fact]
    public void ASwitchAwayFromABlockedThread_IsNotAPreemption()
    {
        var result = Exploring.FindsBug(rt =>
        {
            var word = new AtomicInt(rt, "word");
            rt.StartThread("sleeper", () => rt.ParkingLot.Park(word, 0)).Join();
        }, "Deadlock");

        var join = result.Steps.Single(s => s.Kind == AccessKind.Join);
        Assert.True(join.Blocks);
        var next = result.Steps.SkipWhile(s => s != join).Skip(1).First();
        Assert.NotEqual(join.ThreadId, next.ThreadId);
        Assert.False(next.Preempted);
        Assert.True(result.Steps.Single(s => s.Kind == AccessKind.Park).Blocks);
    }

    [Fact]
    public void AResumedPark_NamesTheUnparkThatWokeIt_AndAJoinTheJoinedThreadsLastStep()
    {
        var result = Exploring.FindsBug(rt =>
        {
            var word = new AtomicInt(rt, "word");
            var woke = new bool[1];
            var waiter = rt.StartThread("waiter", () => rt.ParkingLot.Park(word, 0, parkArg: "w"));
            while (!woke[0])
            {
                rt.ParkingLot.Unpark(word, woke, static (w, arg, _) => w[0] |= arg is not null);
                rt.Yield("waiting for the waiter to park");
            }

            waiter.Join();
            rt.Fail("done");
        }, "done");

        var resumed = result.Steps.Single(s => s.Kind == AccessKind.Unparked && s.Action.Contains("woken", StringComparison.Ordinal));
        var waker = result.Steps.Single(s => s.Index == resumed.WokenBy);
        Assert.Equal(AccessKind.Unpark, waker.Kind);
        Assert.NotEqual(resumed.ThreadId, waker.ThreadId);
        var joined = result.Steps.Single(s => s.Kind == AccessKind.Joined);
        Assert.Equal(result.Steps.Last(s => s.ThreadId == resumed.ThreadId).Index, joined.WokenBy);
    }

    [Fact]
    public void ACellsFormatter_DecodesItsValuesInTheTrace()
    {
        var result = Exploring.FindsBug(rt =>
        {
            var flags = new AtomicInt(rt, "flags") { FormatValue = v => v == 1 ? "LOCKED" : "UNLOCKED" };
            flags.Exchange(1);
            rt.Fail("done");
        }, "done");

        Assert.Equal("exchange flags: 0 (UNLOCKED) -> 1 (LOCKED)", result.Steps[0].Action);
        Assert.Equal("flags", result.Steps[0].Field);
    }
}
