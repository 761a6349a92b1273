using System.Text.Json;
using System.Text.RegularExpressions;
using Sim.Cli.Reports;

namespace Sim.Cli.Tests;

/// <summary>
/// The edges a first user hits (issue 8, "Hard edges"), each as a run of the command line with its exit code: an
/// interrupted hunt, the step bound's range, an output folder that cannot take the reports, two hunts on one folder, a
/// folder given to replay, compare's command line and flags, and a hunt's wall-time limit.
/// </summary>
public sealed class HardEdgeTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public void Hunt_Interrupted_StopsTheVariantInProgress_WritesReportsSayingInterrupted_Exits130()
    {
        using var interrupt = new CancellationTokenSource();
        _cli.Interrupt = interrupt.Token;
        interrupt.CancelAfter(TimeSpan.FromSeconds(3));

        // The first variant (clean) would take hours with this budget: only the interrupt ends the run.
        var result = _cli.Run("hunt", "--scenario", "pymutex-wakeup", "--iterations", "100000000");

        Assert.True(result.ExitCode == 130, result.Out + result.Error);
        Assert.Contains("INTERRUPTED after 0 of 2 variants", result.Out, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_cli.OutputDirectory, "hunt.json")));
        Assert.True(json.RootElement.GetProperty("interrupted").GetBoolean());
        Assert.False(json.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal(0, json.RootElement.GetProperty("results").GetArrayLength());
        Assert.True(File.Exists(Path.Combine(_cli.OutputDirectory, "hunt.junit.xml")));
        Assert.False(File.Exists(Path.Combine(_cli.OutputDirectory, OutputLock.FileName)));
    }

    [Fact]
    public async Task Hunt_Sigterm_KeepsTheFinishedVariantsInTheReports_AndExits130()
    {
        Directory.CreateDirectory(_cli.OutputDirectory);
        File.WriteAllText(Path.Combine(_cli.OutputDirectory, "hunt.json"), """{ "passed": true }""");
        using var process = SimProcess.Start(_cli.Directory, null, "hunt", "--scenario", "pymutex-wakeup/unlock-ignores-parked", "--scenario", "seqlock-torn-read/cpython-3.13", "--iterations", "100000000");
        var error = process.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            lines.Add(line);
            if (line.StartsWith("[2/2]", StringComparison.Ordinal))
            {
                SimProcess.Terminate(process);
                break;
            }
        }

        var rest = await process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "sim hunt did not stop after SIGTERM");
        Assert.True(process.ExitCode == 130, string.Join('\n', lines) + rest + await error);
        Assert.Contains("INTERRUPTED after 1 of 2 variants", rest, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_cli.OutputDirectory, "hunt.json")));
        var report = json.RootElement;
        Assert.True(report.GetProperty("interrupted").GetBoolean());
        Assert.False(report.GetProperty("passed").GetBoolean());
        var only = Assert.Single(report.GetProperty("results").EnumerateArray());
        Assert.Equal("unlock-ignores-parked", only.GetProperty("variant").GetString());
    }

    [Fact]
    public void MaxSteps_AboveTheLimit_IsBadInputFromFlagVariableAndFile()
    {
        _cli.Run("explore", "pymutex-wakeup", "--max-steps", "214748365").AssertBadInput("--max-steps \"214748365\" is not valid: it must be a whole number from 10 to 214748364");
        _cli.Run("hunt", "--max-steps", "4294967296").AssertBadInput("from 10 to 214748364");
        Assert.False(Directory.Exists(_cli.OutputDirectory));
    }

    [Fact]
    public void MaxSteps_AtTheLimit_FairStrategyGetsTenTimesWithoutOverflow_AndReportsNoFalseLivelock()
    {
        var result = _cli.Run("explore", "pymutex-wakeup", "--max-steps", "214748364", "--strategy", "fair-prioritization", "--iterations", "5");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("CLEAN: no bug in 5 iterations", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Hunt_OutputFolderUnderAFile_IsRefusedBeforeExploring()
    {
        File.WriteAllText(_cli.PathOf("file"), "not a folder");

        var line = _cli.Run("hunt", "--scenario", "pymutex-wakeup", "--iterations", "100000000", "--output", "file/out").AssertBadInput("cannot write to the output folder");

        Assert.Contains("set another outputDirectory", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Hunt_ReportPathTakenByAFolder_IsRefusedBeforeExploring_AndLeavesNoReport()
    {
        Directory.CreateDirectory(Path.Combine(_cli.OutputDirectory, "hunt.junit.xml"));
        File.WriteAllText(Path.Combine(_cli.OutputDirectory, "hunt.json"), """{ "passed": true }""");

        _cli.Run("hunt", "--scenario", "pymutex-wakeup", "--iterations", "100000000").AssertBadInput("cannot write the reports to");

        Assert.False(File.Exists(Path.Combine(_cli.OutputDirectory, "hunt.json")));
    }

    [Fact]
    public void ReportFiles_WhenOneCannotBeWritten_LeaveNeither()
    {
        var files = new HuntReportFiles(_cli.OutputDirectory);
        var report = Sharding.Report(passed: true);
        files.Write(report);
        Assert.True(File.Exists(files.JsonPath) && File.Exists(files.JUnitPath));
        File.Delete(files.JUnitPath);
        Directory.CreateDirectory(files.JUnitPath);

        Assert.Throws<UsageException>(() => files.Write(report));

        Assert.False(File.Exists(files.JsonPath));
        Assert.Empty(Directory.GetFiles(_cli.OutputDirectory, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Hunt_OnAFolderAnotherHuntHolds_IsRefusedWithOneLine()
    {
        using (OutputLock.Take(_cli.OutputDirectory))
        {
            _cli.Run("hunt", "--scenario", "pymutex-wakeup").AssertBadInput("another sim hunt is writing to");
        }

        Assert.Equal(0, _cli.Run("hunt", "--scenario", "pymutex-wakeup", "--iterations", "5").ExitCode);
    }

    [Fact]
    public void Hunt_TimeLimit_StopsTheHuntAndReportsWhatFinished()
    {
        var result = _cli.Run("hunt", "--scenario", "pymutex-wakeup/unlock-ignores-parked", "--scenario", "seqlock-torn-read/cpython-3.13", "--iterations", "100000000", "--hunt-time-limit", "10");

        Assert.True(result.ExitCode == 1, result.Out + result.Error);
        Assert.Contains("the hunt's time limit stopped it after 1 of 2 variants", result.Out, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_cli.OutputDirectory, "hunt.json")));
        Assert.True(json.RootElement.GetProperty("timeLimitReached").GetBoolean());
        Assert.False(json.RootElement.GetProperty("interrupted").GetBoolean());
        Assert.Equal(1, json.RootElement.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public void Replay_AFolder_SaysItIsAFolder()
    {
        Directory.CreateDirectory(_cli.PathOf("traces"));

        _cli.Run("replay", "traces").AssertBadInput("traces is a folder, not a trace file");
    }

    [Fact]
    public void Compare_Output_IsRefused()
    {
        _cli.Run("compare", "pymutex-wakeup", "--output", "x").AssertBadInput("unrecognized command or argument '--output'");
    }

    [Fact]
    public void Compare_Markdown_PrintsACommandWithTheStrategiesSeedsAndSettingsUsed()
    {
        var result = _cli.Run("compare", "pymutex-wakeup", "--strategies", "random", "--seeds", "3,4", "--iterations", "20", "--max-steps", "500", "--stress-seconds", "0.2", "--markdown");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains(
            "Command: `dotnet run -c Release --project Cli -- compare pymutex-wakeup --variant unlock-ignores-parked --strategies random --seeds 3,4 --iterations 20 --max-steps 500 --shrink-runs 50 --bounded-schedules 50 --stress-seconds 0.2 --markdown`",
            result.Out,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(80)]
    [InlineData(200)]
    public void Hunt_Summary_FitsTheWidth_AndNeverBreaksAName(int width)
    {
        using var output = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = TextWriter.Null,
            Environment = new Dictionary<string, string>(),
            WorkingDirectory = _cli.Directory,
            Width = width,
        };

        // The longest scenario and variant names of the catalog (32 characters each).
        string[] names = ["abandoned-page-cross-thread-free", "reclaim-gives-goal-eager-reclaim", "thread-handle-concurrent-join", "once-flag-3.13"];
        Assert.Equal(0, SimCli.Run(["hunt", "--scenario", $"{names[0]}/{names[1]}", "--scenario", $"{names[2]}/{names[3]}", "--iterations", "5"], context));

        var rows = output.ToString().Split('\n').SkipWhile(l => !l.Contains("Scenario", StringComparison.Ordinal)).TakeWhile(l => !l.StartsWith("PASSED", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.True(r.TrimEnd().Length <= width, r));
        foreach (var name in names)
        {
            Assert.Contains(rows, r => r.Contains(name, StringComparison.Ordinal));
        }

        // The wide layout is a table (a rule under the headers); the narrow one a list.
        Assert.Equal(width >= 160, rows.Any(r => r.Contains("────", StringComparison.Ordinal)));
    }

    [Fact]
    public void Hunt_Summary_OnATerminal_FitsTheTerminal_WhenColumnsIsNotSet()
    {
        // A terminal where COLUMNS is not exported (bash sets it without exporting it): the context keeps its default
        // width, the console renders at the terminal's (80 for a writer that is not the process's console). Laid out
        // for the context's width, the table was cut to 80 columns and broke the names mid-word.
        using var output = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = TextWriter.Null,
            Environment = new Dictionary<string, string>(),
            WorkingDirectory = _cli.Directory,
            Interactive = true,
        };
        Assert.True(context.Width > 80);

        // One clean variant: its row (about 120 columns) fits the context's width but not the terminal's.
        Assert.Equal(0, SimCli.Run(["hunt", "--scenario", "seqlock-torn-read/cpython-3.13", "--iterations", "5", "--bounded-schedules", "0"], context));

        var text = Regex.Replace(output.ToString(), @"\x1b\[[0-9;?]*[A-Za-z]", string.Empty);
        var rows = text.Split('\n').SkipWhile(l => !l.TrimStart().StartsWith("Scenario", StringComparison.Ordinal)).TakeWhile(l => l.Trim().Length > 0).ToList();
        Assert.True(rows.Count > 0, $"no summary under a header starting 'Scenario' (a table cut to the terminal cuts its headers too):\n{text}");
        Assert.All(rows, r => Assert.True(r.TrimEnd().Length <= 80, r));
        Assert.Contains(rows, r => r.Contains("seqlock-torn-read", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("cpython-3.13", StringComparison.Ordinal));
    }

    [Fact]
    public void TopLevelHelp_ShowsAnOptionalArgumentAsOptional()
    {
        var result = _cli.Run("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("  compare [<scenario>]  ", result.Out, StringComparison.Ordinal);
        Assert.Contains("  explore <scenario>    ", result.Out, StringComparison.Ordinal);
        Assert.Contains("  merge <reports>       Merge", result.Out, StringComparison.Ordinal);
    }

    public void Dispose() => _cli.Dispose();
}
