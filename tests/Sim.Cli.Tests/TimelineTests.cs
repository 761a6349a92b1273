using Sim.Cli.Timeline;
using Sim.Runtime.Deadlocks;
using Sim.Runtime.Exploration;
using Sim.Runtime.Races;
using Sim.Runtime.Trace;

namespace Sim.Cli.Tests;

/// <summary>
/// The readable trace (one column per thread, a row per step, values, preemptions, blocking and wake-ups, the failing
/// check last, a legend; readable at 80 columns) and the timeline page file of <c>replay --html</c>.
/// </summary>
public sealed class TimelineTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public void Replay_OfARace_ShowsAColumnPerThread_BothAccessesMarked_AndTheFailingCheckLast()
    {
        var trace = Record("thread-handle-concurrent-join", "join-without-once");

        var result = _cli.Run("replay", trace);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        var view = LaneViewOf(result.Out);
        Assert.Matches(@"^ step  │T1 main\s+│T2 target\s+│T3 joiner0\s+│T4 joiner1$", view[1]);
        Assert.Equal(2, view.Count(l => l.Contains("[race]", StringComparison.Ordinal) && !l.StartsWith("  [race]", StringComparison.Ordinal)));
        var lastRow = view.FindLastIndex(l => l.Length > 7 && char.IsDigit(l[4]));
        Assert.Contains("FAILED: data race on target.joinable", view[lastRow], StringComparison.Ordinal);

        // The finding is marked in the column of the thread whose access completed the race (which thread that is depends
        // on the schedule the exploration found, not on the view).
        var second = System.Text.RegularExpressions.Regex.Match(view[lastRow], @" and T\d+\((\w+)\) (?:read|write) in ");
        Assert.True(second.Success, view[lastRow]);
        Assert.Contains($"XX {second.Groups[1].Value}:", view[lastRow], StringComparison.Ordinal);
        Assert.Contains(view, l => l.Contains("resumes from joiner0._started.v: woken (Py_PARK_OK) <- #", StringComparison.Ordinal));
        Assert.Contains(view, l => l.Length > 5 && l[5] == '>');
        Assert.Contains(view, l => l.Contains(" == ", StringComparison.Ordinal));
        Assert.Contains(view, l => l.Contains("(LOCKED)", StringComparison.Ordinal));
        Assert.Contains("Legend:", result.Out, StringComparison.Ordinal);
        Assert.Contains("Deliberately racy fields", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_OfADeadlock_ShowsBlockingAndTheFindingLast_WithTheWaitForExplanation()
    {
        var trace = Record("pymutex-wakeup", "unlock-ignores-parked");

        var view = LaneViewOf(_cli.Run("replay", trace).Out);

        Assert.Contains(view, l => l.Contains("park on m._bits expecting 3 (LOCKED|HAS_PARKED) [blocks]", StringComparison.Ordinal));
        Assert.Contains(view, l => l.Contains("join T2(worker0) [blocks]", StringComparison.Ordinal));
        var finding = view.FindIndex(l => l.StartsWith("    -- XX Deadlock: no thread can run.", StringComparison.Ordinal));
        Assert.True(finding > 0, string.Join('\n', view));
        Assert.Contains("which no thread holds", string.Join(' ', view.Skip(finding)), StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_At80Columns_KeepsTheColumnsAndEveryLineWithin80()
    {
        var trace = Record("thread-handle-concurrent-join", "join-without-once");
        _cli.Width = 80;

        var view = LaneViewOf(_cli.Run("replay", trace).Out);

        Assert.All(view, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        Assert.StartsWith(" step  │T1 main", view[1], StringComparison.Ordinal);
        Assert.Equal(4, view[1].Count(c => c == '│'));
        Assert.Contains(view, l => l.StartsWith("       │", StringComparison.Ordinal)); // a wrapped continuation keeps its column
    }

    [Fact]
    public void Explore_OfABug_PrintsTheSameColumnsAndTheCoverage()
    {
        var result = _cli.Run("explore", "pymutex-wakeup", "--variant", "unlock-ignores-parked");

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"Coverage: \d+ scheduling points, \d+ of \d+ conflicting access pairs seen in both orders", result.Out);
        Assert.Contains(" step  │T1 main", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_WithHtml_WritesOneSelfContainedPage()
    {
        var trace = Record("thread-handle-concurrent-join", "join-without-once");
        var page = _cli.PathOf("timeline.html");

        var result = _cli.Run("replay", trace, "--html", "timeline.html");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("Timeline page: timeline.html", result.Out, StringComparison.Ordinal);
        var html = File.ReadAllText(page);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?i)<(link|img|iframe)\b|\b(src|href)\s*=|url\(\s*['""]?(https?:|//)|@import", html);
        Assert.Contains("id=\"finding\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_WithHtmlIntoAFolder_ExitsTwoBeforeReplaying()
    {
        var trace = Record("pymutex-wakeup", "unlock-ignores-parked");
        Directory.CreateDirectory(_cli.PathOf("pages"));

        _cli.Run("replay", trace, "--html", "pages").AssertBadInput("--html pages is a folder");
    }

    [Fact]
    public void Wrap_BreaksAtSpaces_AndCutsOnlyWordsLongerThanTheLine()
    {
        Assert.Equal(["cas m._bits:", "0 -> 1"], LaneView.Wrap("cas m._bits: 0 -> 1", 12));
        Assert.Equal(["abcdefgh", "ij"], LaneView.Wrap("abcdefghij", 8));
        Assert.Equal([string.Empty], LaneView.Wrap(string.Empty, 10));
    }

    [Fact]
    public void Render_ManyThreadsAt80Columns_LeavesTheLastColumnRoomToRead()
    {
        var steps = Enumerable.Range(1, 8).Select(i => new TraceStep(i, i, $"worker{i}", "PyMutex_Lock(HEAD_LOCK)", AccessKind.CompareExchange,
            "cas HEAD_LOCK._bits: 0 (UNLOCKED) -> 1 (LOCKED)")).ToList();
        var timeline = TraceTimeline.Of("x/y", new ExplorationResult
        {
            Outcome = Outcome.BugFound, Iterations = 1, SchedulingSteps = 8, Elapsed = TimeSpan.Zero, Strategy = "random",
            Kind = FindingKind.Livelock, Message = "Livelock", Steps = steps,
        });

        var lines = LaneView.Render(timeline, 80, last: null).Select(l => l.Text).ToList();

        Assert.All(lines, l => Assert.True(l.Length <= 80, l));
        Assert.Contains(lines, l => l.StartsWith("Threads: T1 worker1, T2 worker2", StringComparison.Ordinal));
        var lastThreadRow = lines.Single(l => l.StartsWith("    8 ", StringComparison.Ordinal));
        Assert.True(80 - lastThreadRow.LastIndexOf('│') >= 36, lastThreadRow);
    }

    [Fact]
    public void WaitForGraph_NamesTheCycleRoundToTheStart()
    {
        WaitEdge Edge(int id, string what, int holder) => new(id, $"t{id}", what, $"PyMutex_Lock({what})", holder, $"t{holder}", null);

        var text = WaitForGraph.Explain([Edge(2, "a", 3), Edge(3, "b", 2), new WaitEdge(1, "main", "T2(t2) to exit (join)", null, 2, "t2", null)]);

        Assert.Equal(
            "Wait-for cycle: T2(t2) in PyMutex_Lock(a) waits for a, held by T3(t3); T3(t3) in PyMutex_Lock(b) waits for b, held by T2(t2).",
            text);
    }

    [Fact]
    public void RacyFieldList_GroupsFieldsByReason()
    {
        var lines = RacyFieldList.Lines([new RacyField("b.x", "why"), new RacyField("a.x", "why"), new RacyField("c", "other")]);

        Assert.Equal(["c: other", "a.x, b.x: why"], lines);
    }

    /// <summary>The lines of the readable trace: from "Steps:" to the end of the legend.</summary>
    private static List<string> LaneViewOf(string output)
    {
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var start = lines.FindIndex(l => l.StartsWith("Steps: ", StringComparison.Ordinal));
        var end = lines.FindIndex(l => l.StartsWith("  XX ", StringComparison.Ordinal));
        Assert.True(start >= 0 && end > start, output);
        return lines[start..(end + 1)];
    }

    private string Record(string scenario, string variant)
    {
        var explored = _cli.Run("explore", scenario, "--variant", variant);
        Assert.True(explored.ExitCode == 1, explored.Out + explored.Error);
        return Directory.GetFiles(Path.Combine(_cli.OutputDirectory, "traces"), $"{scenario}.{variant}.*.json").Single();
    }

    public void Dispose() => _cli.Dispose();
}
