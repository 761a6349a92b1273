using Sim.Runtime.Exploration;
using Sim.Runtime.Scheduling;
using Sim.Testing;

namespace Sim.Runtime.Tests.Scheduling;

public class ShrinkerTests
{
    private static readonly ExplorationOptions s_shrinking = Exploring.Options with { ShrinkRuns = 200 };

    public static TheoryData<string> FailingPrograms => ["lost update", "two preemptions", "choice", "data race"];

    [Theory]
    [MemberData(nameof(FailingPrograms))]
    public void Shrinking_NeverReturnsAPassingSchedule_TheShrunkTraceReplaysTheSameFailure(string name)
    {
        var (program, fragment) = Program(name);
        var shrunk = Explorer.Explore(program, s_shrinking);
        Assert.True(shrunk.FoundBug, shrunk.Message);
        Assert.Contains(fragment, shrunk.Message, StringComparison.Ordinal);

        var replay = Explorer.Replay(program, shrunk.Schedule!, s_shrinking);

        Assert.Equal(Outcome.BugFound, replay.Outcome);
        Assert.Equal(shrunk.Kind, replay.Kind);
        Assert.Equal(shrunk.Message, replay.Message);
        Assert.Equal(shrunk.Steps, replay.Steps);
    }

    [Theory]
    [MemberData(nameof(FailingPrograms))]
    public void Shrinking_NeverReturnsALongerSchedule_NorOneWithMorePreemptions(string name)
    {
        var (program, _) = Program(name);
        var found = Explorer.Explore(program, Exploring.Options);
        var shrunk = Explorer.Explore(program, s_shrinking);

        Assert.NotNull(shrunk.Shrink);
        Assert.Equal(found.Schedule!.Steps, shrunk.Shrink!.StepsBefore);
        Assert.Equal(found.Schedule.Preemptions, shrunk.Shrink.PreemptionsBefore);
        Assert.True(shrunk.Schedule!.Steps <= found.Schedule.Steps, $"{shrunk.Schedule} after {found.Schedule}");
        Assert.True(shrunk.Schedule.Preemptions <= found.Schedule.Preemptions, $"{shrunk.Schedule} after {found.Schedule}");
        Assert.Equal((shrunk.Schedule.Steps, shrunk.Schedule.Preemptions), (shrunk.Shrink.StepsAfter, shrunk.Shrink.PreemptionsAfter));
    }

    [Theory]
    [InlineData("lost update", Strategy.Portfolio)]
    [InlineData("lost update", Strategy.Random)]
    [InlineData("two preemptions", Strategy.Random)]
    [InlineData("two preemptions", Strategy.Prioritization)]
    [InlineData("data race", Strategy.Random)]
    public void Shrinking_ReachesTheKnownMinimum_OnSmallPrograms(string name, Strategy strategy)
    {
        var (program, _) = Program(name);
        var options = Exploring.Options with { Strategy = strategy };
        var found = Explorer.Explore(program, options).Schedule!;
        var shrunk = Explorer.Explore(program, options with { ShrinkRuns = 200 });

        // Every failing schedule with at most as many preemptions and steps as the one found, enumerated: the smallest
        // (fewest preemptions, then fewest steps) is what shrinking must reach.
        var minimum = KnownMinimum(program, found.Preemptions, found.Steps);
        Assert.Equal(minimum, (shrunk.Schedule!.Preemptions, shrunk.Schedule.Steps));
    }

    [Fact]
    public void TheKnownMinimum_OfALostUpdate_IsOnePreemption()
    {
        // The main thread's two starts (each a scheduling point), its join of a, a's start and read, b's start, read and
        // write, a's write, the main thread's wake-up and its join of b: eleven steps, one preemption (a, switched out
        // between its read and its write).
        Assert.Equal((1, 11), KnownMinimum(Programs.LostUpdate, maxPreemptions: 3, maxSteps: int.MaxValue));
    }

    [Fact]
    public void ADataRace_IsShrunkToNoPreemption_AndItsShrunkTraceReplaysWithBothAccesses()
    {
        var shrunk = Explorer.Explore(Programs.PlainRace, s_shrinking with { Strategy = Strategy.Random });
        Assert.Equal(FindingKind.DataRace, shrunk.Kind);
        Assert.Equal(0, shrunk.Schedule!.Preemptions);
        Assert.Equal((0, shrunk.Schedule.Steps), KnownMinimum(Programs.PlainRace, maxPreemptions: 2, maxSteps: int.MaxValue));

        var replay = Explorer.Replay(Programs.PlainRace, shrunk.Schedule, s_shrinking);

        Assert.Equal(FindingKind.DataRace, replay.Kind);
        Assert.Equal(shrunk.Race, replay.Race);
        Assert.NotEqual(replay.Race!.Earlier.ThreadId, replay.Race.Later.ThreadId);
    }

    [Fact]
    public void ShrinkingIsOff_WhenItsBudgetIsZero()
    {
        var found = Explorer.Explore(Programs.LostUpdate, Exploring.Options);

        Assert.Null(found.Shrink);
    }

    [Fact]
    public void TheSameFinding_AllowsOtherNumbers_ButNotAnotherMessageOrKind()
    {
        ExplorationResult Bug(FindingKind kind, string message) =>
            new() { Outcome = Outcome.BugFound, Kind = kind, Message = message, Iterations = 1, SchedulingSteps = 1, Elapsed = default, Strategy = "" };
        var found = Bug(FindingKind.Deadlock, "Deadlock: T1(main) waits for T3(worker1); T3(worker1) parked on m");

        Assert.True(Shrinker.SameFinding(Bug(FindingKind.Deadlock, "Deadlock: T1(main) waits for T2(worker0); T2(worker0) parked on m"), found));
        Assert.False(Shrinker.SameFinding(Bug(FindingKind.Deadlock, "Deadlock: T1(main) waits for T2(worker0); T2(worker0) parked on n"), found));
        Assert.False(Shrinker.SameFinding(Bug(FindingKind.Assertion, found.Message!), found));
    }

    private static (Action<SimRuntime> Program, string Fragment) Program(string name) => name switch
    {
        "lost update" => (Programs.LostUpdate, "lost update"),
        "two preemptions" => (Programs.NeedsTwoPreemptions, "both of a's stores"),
        "data race" => (Programs.PlainRace, "data race on x"),
        _ => (Programs.FailsOnChoice, "stored 2"),
    };

    /// <summary>
    /// The fewest preemptions, and then the fewest steps, of any failing schedule with at most
    /// <paramref name="maxPreemptions"/> preemptions and <paramref name="maxSteps"/> steps: every schedule with at most that
    /// many preemptions is run, failing or not.
    /// </summary>
    private static (int Preemptions, int Steps) KnownMinimum(Action<SimRuntime> program, int maxPreemptions, int maxSteps)
    {
        var search = new BoundedSearch((uint)maxPreemptions, 10_000);
        var best = (Preemptions: int.MaxValue, Steps: int.MaxValue);
        do
        {
            var run = Explorer.RunOnce(program, Exploring.Options, search.NextRun());
            var s = run.Schedule!;
            if (run.FoundBug && s.Steps <= maxSteps && (s.Preemptions, s.Steps).CompareTo(best) < 0)
            {
                best = (s.Preemptions, s.Steps);
            }
        }
        while (search.RunEnded());

        return best;
    }
}
