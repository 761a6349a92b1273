using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Locks;

public class PyEventTests
{
    [Fact]
    public void Notify_WakesEveryWaiter_AndPublishesWhatCameBefore_UnderExploration() =>
        Exploring.StaysClean(rt => Handoff(rt, publishFirst: true));

    [Fact]
    public void Notify_WakesEveryWaiter_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => Handoff(rt, publishFirst: true), runs: 200);

    [Fact]
    public void SettingTheEventBeforePublishing_IsADataRace() =>
        Exploring.FindsBug(rt => Handoff(rt, publishFirst: false), "data race on data");

    [Fact]
    public void SettingTheEventBeforePublishing_LetsAWaiterSeeTheOldData_WithRaceDetectionOff() =>
        Exploring.FindsBug(rt => Handoff(rt, publishFirst: false), "saw the event set but not the data", Exploring.Options with { DetectRaces = false });

    [Fact]
    public void WaitTimed_ReturnsFalse_WhenNobodySetsTheEvent() =>
        Exploring.StaysClean(rt =>
        {
            var e = new PyEvent(rt, "e");
            rt.Check(!e.WaitTimed(1_000_000), "an event nobody set was seen set");
            e.Notify();
            e.Notify();
            rt.Check(e.WaitTimed(0) && e.IsSet(), "a set event was not seen set");
        }, iterations: 100);

    private static void Handoff(SimRuntime rt, bool publishFirst)
    {
        var e = new PyEvent(rt, "e");
        var data = new PlainCell<int>(rt, "data");
        var waiters = Enumerable.Range(0, 2).Select(i => rt.StartThread($"waiter{i}", () =>
        {
            e.Wait();
            rt.Check(data.Read() == 42, $"{rt.CurrentThread} saw the event set but not the data");
        })).ToList();
        if (publishFirst)
        {
            data.Write(42);
            e.Notify();
        }
        else
        {
            e.Notify();
            data.Write(42);
        }

        waiters.ForEach(w => w.Join());
    }
}
