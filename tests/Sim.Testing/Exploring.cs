using Xunit;
using Sim.Runtime;
using Sim.Runtime.Exploration;

namespace Sim.Testing;

/// <summary>
/// Assertions over exploration that every test project shares (the Sim.Testing project, which every test project references): a bug must be
/// found and must replay the same way; a correct program must stay clean.
/// </summary>
public static class Exploring
{
    /// <summary>
    /// The default budget for unit tests: portfolio, a fixed seed, 1,000 iterations; no shrinking and no
    /// preemption-bounded search after a clean run (the tests of those turn them on).
    /// </summary>
    public static ExplorationOptions Options { get; } = new() { Iterations = 1000, Seed = 20261125, ShrinkRuns = 0, BoundedSchedules = 0 };

    /// <summary>
    /// Explores <paramref name="program"/>; asserts a bug whose message contains <paramref name="fragment"/>, then replays
    /// its schedule record <paramref name="replays"/> times and asserts the same finding and the same steps each time.
    /// </summary>
    public static ExplorationResult FindsBug(Action<SimRuntime> program, string fragment, ExplorationOptions? options = null, int replays = 3)
    {
        var o = options ?? Options;
        var result = Explorer.Explore(program, o);
        Assert.True(result.Outcome == Outcome.BugFound, $"expected a bug containing \"{fragment}\", got {result.Outcome}: {result.Message}");
        Assert.Contains(fragment, result.Message!, StringComparison.Ordinal);
        Assert.NotNull(result.Schedule);
        for (var i = 0; i < replays; i++)
        {
            var again = Explorer.Replay(program, result.Schedule!, o, result.Kind == FindingKind.Livelock);
            Assert.True(again.Outcome == Outcome.BugFound, $"replay {i + 1}: {again.Outcome}: {again.Message}");
            Assert.Equal(result.Kind, again.Kind);
            Assert.Equal(result.Message, again.Message);
            Assert.Equal(result.Steps, again.Steps);
        }

        return result;
    }

    /// <summary>Explores <paramref name="program"/> for <paramref name="iterations"/> iterations and asserts no bug.</summary>
    public static ExplorationResult StaysClean(Action<SimRuntime> program, uint iterations = 1000, ExplorationOptions? options = null)
    {
        var o = (options ?? Options) with { Iterations = iterations };
        var result = Explorer.Explore(program, o);
        Assert.True(result.Outcome == Outcome.Clean, $"expected no bug in {iterations} iterations, got {result.Outcome}: {result.Message}\n{string.Join('\n', result.Steps.TakeLast(40))}");
        Assert.Equal((int)iterations, result.Iterations);
        return result;
    }

    /// <summary>Runs <paramref name="program"/> <paramref name="runs"/> times on real threads and asserts every run was clean.</summary>
    public static void RunsCleanOnRealThreads(Action<SimRuntime> program, int runs = 50)
    {
        var result = Sim.Runtime.Stress.StressRunner.Run(program, new Sim.Runtime.Stress.StressOptions { Runs = runs, HangTimeout = TimeSpan.FromSeconds(20) });
        Assert.True(!result.FoundBug, $"{result.Failures} failures and {result.Hangs} hangs in {result.Runs} runs: {string.Join("; ", result.Messages.Keys)}");
        Assert.Equal(runs, result.Runs);
    }
}
