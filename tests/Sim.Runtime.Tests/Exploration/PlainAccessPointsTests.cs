using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Runtime.Tests.Scheduling;
using Sim.Testing;

namespace Sim.Runtime.Tests.Exploration;

/// <summary>
/// The reduction the race detector makes sound (<see cref="ExplorationOptions.PlainAccessPoints"/>): by default a plain
/// access is checked but is no scheduling point; a racy program is still found (as a race), a lock-protected one takes
/// fewer steps, and the setting, or the detector turned off, puts the points back. Step counts are deterministic for a
/// seed, so they are compared exactly.
/// </summary>
public class PlainAccessPointsTests
{
    private static readonly ExplorationOptions PointsOn = Exploring.Options with { PlainAccessPoints = true };

    [Fact]
    public void ARacyPlainProgram_IsFoundAsADataRace_WithPlainPointsOffAndOn()
    {
        var off = Exploring.FindsBug(Programs.PlainRace, "data race on x");
        var on = Exploring.FindsBug(Programs.PlainRace, "data race on x", PointsOn);

        Assert.Equal(FindingKind.DataRace, off.Kind);
        Assert.Equal(FindingKind.DataRace, on.Kind);
    }

    [Fact]
    public void ALockProtectedProgram_StaysClean_AndTakesFewerSteps_WithPlainPointsOff()
    {
        var off = Exploring.StaysClean(LockedCounter, iterations: 200);
        var on = Exploring.StaysClean(LockedCounter, iterations: 200, PointsOn);

        // Each worker reads and writes the counter twice inside the lock: 8 plain accesses per iteration at least.
        Assert.True(on.SchedulingSteps >= off.SchedulingSteps + (8 * 200), $"steps with plain points {on.SchedulingSteps}, without {off.SchedulingSteps}");
    }

    [Fact]
    public void OneThreadsPlainAccesses_AreExactlyTheStepsTheSettingAdds()
    {
        static void Program(SimRuntime rt)
        {
            var x = new PlainCell<int>(rt, "x");
            for (var i = 0; i < 10; i++)
            {
                x.Write(x.Read() + 1);
            }
        }

        var off = Exploring.StaysClean(Program, iterations: 5);
        var on = Exploring.StaysClean(Program, iterations: 5, PointsOn);

        Assert.Equal(0, off.SchedulingSteps);
        Assert.Equal(5 * 20, on.SchedulingSteps);
    }

    [Fact]
    public void WithTheRaceDetectorOff_PlainAccessesStaySchedulingPoints_AndTheLostUpdateIsFound()
    {
        var noDetector = Exploring.Options with { DetectRaces = false };

        var found = Exploring.FindsBug(Programs.PlainRace, "lost update", noDetector);
        var off = Exploring.StaysClean(LockedCounter, iterations: 50, noDetector);
        var on = Exploring.StaysClean(LockedCounter, iterations: 50, noDetector with { PlainAccessPoints = true });

        Assert.Equal(FindingKind.Assertion, found.Kind);
        Assert.Equal(on.SchedulingSteps, off.SchedulingSteps);
    }

    [Fact]
    public void ADeliberatelyRacyField_KeepsItsSchedulingPoints_SoItsLostUpdateIsStillFound() =>
        Exploring.FindsBug(rt =>
        {
            var hint = new PlainCell<int>(rt, "hint") { DeliberatelyRacy = "a counter updated without a lock on purpose (test)" };
            var ts = Enumerable.Range(0, 2).Select(i => rt.StartThread($"t{i}", () => hint.Write(hint.Read() + 1))).ToList();
            ts.ForEach(t => t.Join());
            rt.Check(hint.Peek() == 2, $"lost update: hint is {hint.Peek()}");
        }, "lost update");

    [Fact]
    public void ASpinOnAPlainFlag_LetsTheWriterRun_AndIsFoundAsADataRace_NotAHang() =>
        Exploring.FindsBug(rt =>
        {
            var flag = new PlainCell<bool>(rt, "flag");
            var spinner = rt.StartThread("spinner", () =>
            {
                while (!flag.Read())
                {
                }
            });
            var writer = rt.StartThread("writer", () => flag.Write(true));
            spinner.Join();
            writer.Join();
        }, "data race on flag");

    [Fact]
    public void AReplay_FollowsTheSettingItWasFoundWith()
    {
        var off = Exploring.FindsBug(Programs.PlainRace, "data race on x", replays: 0);
        var on = Exploring.FindsBug(Programs.PlainRace, "data race on x", PointsOn, replays: 0);

        var offAgain = Explorer.Replay(Programs.PlainRace, off.Schedule!, Exploring.Options);
        var onAgain = Explorer.Replay(Programs.PlainRace, on.Schedule!, PointsOn);

        Assert.Equal(off.Steps, offAgain.Steps);
        Assert.Equal(on.Steps, onAgain.Steps);
        Assert.Equal(off.Message, offAgain.Message);
        Assert.Equal(on.Message, onAgain.Message);
    }

    /// <summary>Two workers each add 1 twice to a plain counter inside a spin lock made of an acquire CAS and a release store.</summary>
    private static void LockedCounter(SimRuntime rt)
    {
        var locked = new AtomicInt(rt, "lock");
        var counter = new PlainCell<int>(rt, "counter");

        void Worker()
        {
            for (var i = 0; i < 2; i++)
            {
                var expected = 0;
                while (!locked.CompareExchange(ref expected, 1, MemoryOrder.Acquire))
                {
                    expected = 0;
                    rt.Yield("lock");
                }

                counter.Write(counter.Read() + 1);
                locked.Store(0, MemoryOrder.Release);
            }
        }

        var a = rt.StartThread("a", Worker);
        var b = rt.StartThread("b", Worker);
        a.Join();
        b.Join();
        rt.Check(counter.Peek() == 4, $"lost update: counter is {counter.Peek()}");
    }
}
