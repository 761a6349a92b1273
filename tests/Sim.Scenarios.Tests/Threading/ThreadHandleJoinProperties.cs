using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Sim.Model.Threading;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Threading;

namespace Sim.Scenarios.Tests.Threading;

/// <summary>
/// For any number of joiners (1 to 3), joins per joiner (1 to 3) and a daemon or non-daemon target
/// (<see cref="JoinWorkload"/>), explored for 150 schedules each: join is idempotent, every untimed join returns after the
/// target ran, and the OS thread is joined exactly once (<see cref="ConcurrentHandleJoin.RunWith"/> checks all three).
/// </summary>
public class ThreadHandleJoinProperties
{
    [Property(MaxTest = 12, Arbitrary = [typeof(Workloads)])]
    public void OnceFlagJoin_IsIdempotent_AndJoinsTheOsThreadOnce(JoinWorkload load, uint seed)
    {
        var result = Explorer.Explore(
            rt => ConcurrentHandleJoin.RunWith(rt, ThreadingDesign.Cpython313, load.Joiners, load.JoinsEach, load.Daemon),
            new ExplorationOptions { Iterations = 150, Seed = seed });
        Assert.True(result.Outcome == Sim.Runtime.Exploration.Outcome.Clean, $"{load}, seed {seed}: {result.Outcome}: {result.Message}");
    }

    /// <summary>How many threads join the target, how many times each, and whether the target is a daemon.</summary>
    public sealed record JoinWorkload(int Joiners, int JoinsEach, bool Daemon);

    /// <summary>1 to 3 joiners, 1 to 3 joins each, a daemon target or not.</summary>
    public static class Workloads
    {
        public static Arbitrary<JoinWorkload> Any() =>
            Arb.From(
                from joiners in Gen.Choose(1, 3)
                from joinsEach in Gen.Choose(1, 3)
                from daemon in Gen.Elements(true, false)
                select new JoinWorkload(joiners, joinsEach, daemon));
    }
}
