using FsCheck.Xunit;
using Sim.Model.Threading;
using Sim.Runtime.Exploration;
using Sim.Scenarios.Threading;

namespace Sim.Scenarios.Tests.Threading;

/// <summary>
/// For any number of joiners (1 to 3), joins per joiner (1 to 3) and a daemon or non-daemon target, explored for 150
/// schedules each: join is idempotent, every untimed join returns after the target ran, and the OS thread is joined
/// exactly once (<see cref="ConcurrentHandleJoin.RunWith"/> checks all three).
/// </summary>
public class ThreadHandleJoinProperties
{
    [Property(MaxTest = 12)]
    public void OnceFlagJoin_IsIdempotent_AndJoinsTheOsThreadOnce(byte joinersSeed, byte joinsSeed, bool daemon, uint seed)
    {
        var joiners = 1 + (joinersSeed % 3);
        var joinsEach = 1 + (joinsSeed % 3);
        var result = Explorer.Explore(
            rt => ConcurrentHandleJoin.RunWith(rt, ThreadingDesign.Cpython313, joiners, joinsEach, daemon),
            new ExplorationOptions { Iterations = 150, Seed = seed });
        Assert.True(result.Outcome == Outcome.Clean, $"{joiners} joiners x {joinsEach} joins, daemon={daemon}, seed {seed}: {result.Outcome}: {result.Message}");
    }
}
