using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Runtime.Stress;

namespace Sim.Cli.Tests;

/// <summary>
/// The README's library example ("Using Sim as a library"), compiled and run: the code between the markers is the
/// README's code block, line for line (<see cref="DocumentationTests"/> checks that they agree).
/// </summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void LibraryExample_FindsTheRace_ReplaysIt_AndStressRuns()
    {
        // README example: begin
        // Two threads increment a plain field without a lock: a data race (the race detector reports it first).
        static void Program(SimRuntime rt)
        {
            var count = new PlainCell<int>(rt, "count");
            var workers = Enumerable.Range(1, 2)
                .Select(i => rt.StartThread($"worker{i}", () => count.Write(count.Read() + 1)))
                .ToList();
            workers.ForEach(w => w.Join());
            rt.Check(count.Peek() == 2, $"lost update: count is {count.Peek()}");
        }

        var options = new ExplorationOptions { Iterations = 1000, Seed = 42 };
        ExplorationResult found = Explorer.Explore(Program, options);
        // found.Outcome == Outcome.BugFound, found.Kind == FindingKind.DataRace; found.Message, found.Steps, found.Schedule
        ExplorationResult again = Explorer.Replay(Program, found.Schedule!, options);
        // again.Message == found.Message: the same failure, step by step
        StressResult stress = StressRunner.Run(Program, new StressOptions { Runs = 200, Seed = 1 });
        // stress.Runs, stress.Failures, stress.Findings: on real threads (no detector), the lost update itself
        // README example: end

        Assert.Equal(Outcome.BugFound, found.Outcome);
        Assert.Equal(FindingKind.DataRace, found.Kind);
        Assert.StartsWith("data race on count", found.Message, StringComparison.Ordinal);
        Assert.Equal(found.Message, again.Message);
        Assert.Equal(200, stress.Runs);
    }

    /// <summary>The example's lines, without their indentation.</summary>
    public static IReadOnlyList<string> Lines()
    {
        var source = File.ReadAllLines(Path.Combine(CliHarness.RepositoryRoot(), "tests", "Sim.Cli.Tests", "ReadmeExampleTests.cs"));
        var begin = Array.FindIndex(source, l => l.Trim() == "// README example: begin");
        var end = Array.FindIndex(source, l => l.Trim() == "// README example: end");
        var indent = source[begin].Length - source[begin].TrimStart().Length;
        return [.. source[(begin + 1)..end].Select(l => l.Length >= indent ? l[indent..] : l.Trim())];
    }
}
