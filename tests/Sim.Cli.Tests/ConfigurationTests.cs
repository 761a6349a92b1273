using System.Text.Json;
using Sim.Cli.Configuration;
using Sim.Runtime.Exploration;

namespace Sim.Cli.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private readonly CliHarness _cli = new("""
        {
          // iterations from the file
          "iterations": 7,
          "seed": 11,
          "outputDirectory": "out"
        }
        """);

    [Fact]
    public void Precedence_FlagBeatsEnvironmentBeatsFileBeatsBuiltIn()
    {
        _cli.Environment["SIM_ITERATIONS"] = "5";
        Assert.Equal(("3", "flag", "--iterations"), Setting(_cli.Run("config", "--json", "--iterations", "3"), "iterations"));
        Assert.Equal(("5", "environment", "SIM_ITERATIONS"), Setting(_cli.Run("config", "--json"), "iterations"));

        _cli.Environment.Clear();
        Assert.Equal(("7", "file", "Coyote.config:3"), Setting(_cli.Run("config", "--json"), "iterations"));

        File.Delete(_cli.PathOf("Coyote.config"));
        Assert.Equal(("1000", "builtIn", "built-in"), Setting(_cli.Run("config", "--json"), "iterations"));
    }

    [Fact]
    public void Precedence_IsWhatExplorationActuallyRunsWith()
    {
        _cli.Environment["SIM_ITERATIONS"] = "5";
        _cli.Environment["SIM_SEED"] = "12";

        var flagged = _cli.Run("explore", "pymutex-wakeup", "--iterations", "3");
        Assert.Contains("CLEAN: no bug in 3 iterations", flagged.Out, StringComparison.Ordinal);
        Assert.Contains("seed 12", flagged.Out, StringComparison.Ordinal);

        var fromEnvironment = _cli.Run("explore", "pymutex-wakeup");
        Assert.Contains("CLEAN: no bug in 5 iterations", fromEnvironment.Out, StringComparison.Ordinal);

        _cli.Environment.Clear();
        var fromFile = _cli.Run("explore", "pymutex-wakeup");
        Assert.Contains("CLEAN: no bug in 7 iterations", fromFile.Out, StringComparison.Ordinal);
        Assert.Contains("seed 11", fromFile.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"iterations\": -5", "Coyote.config line 2: \"iterations\" is -5, but it must be a whole number")]
    [InlineData("\"iterations\": \"1000\"", "\"iterations\" must be a whole number from 1 to 4294967295, not a string")]
    [InlineData("\"iteration\": 10", "unknown field \"iteration\" (did you mean 'iterations'?)")]
    [InlineData("\"strategy\": \"pctt\"", "did you mean 'pct'")]
    [InlineData("\"maxSteps\": 5", "\"maxSteps\" is 5, but it must be a whole number from 10")]
    [InlineData("\"seed\": \"abc\"", "\"seed\" is \"abc\"")]
    [InlineData("\"hangTimeoutSeconds\": 0", "\"hangTimeoutSeconds\" is 0")]
    [InlineData("\"stress\": { \"runs\": 0 }", "\"stress.runs\" is 0")]
    [InlineData("\"stress\": { \"run\": 5 }", "unknown field \"stress.run\" (did you mean 'runs'?)")]
    [InlineData("\"iterations\": 10, \"iterations\": 20", "\"iterations\" is given twice")]
    [InlineData("\"iterations\": 10 \"seed\": 1", "Coyote.config line 2, column 20 is not valid JSON: ")]
    [InlineData("\"stress\": 5", "Coyote.config line 2: \"stress\" must be an object of stress settings ({ \"runs\": 100, ... }), not a number")]
    [InlineData("\"maxSteps\": 214748365", "\"maxSteps\" is 214748365, but it must be a whole number from 10 to 214748364")]
    public void InvalidConfigFile_ExitsTwoWithOneLineAndWritesNothing(string body, string fragment)
    {
        File.WriteAllText(_cli.PathOf("Coyote.config"), "{\n  " + body + "\n}\n");

        _cli.Run("hunt", "--scenario", "pymutex-wakeup").AssertBadInput(fragment);
        _cli.Run("explore", "pymutex-wakeup", "--variant", "unlock-ignores-parked").AssertBadInput(fragment);
        Assert.False(Directory.Exists(_cli.OutputDirectory));
    }

    [Theory]
    [InlineData("SIM_ITERATIONS", "abc", "SIM_ITERATIONS=\"abc\" is not valid: it must be a whole number")]
    [InlineData("SIM_STRATEGY", "randm", "did you mean 'random'")]
    [InlineData("SIM_SEED", "-3", "SIM_SEED=\"-3\" is not valid")]
    [InlineData("SIM_TIME_LIMIT_SECONDS", "-1", "SIM_TIME_LIMIT_SECONDS=\"-1\" is not valid")]
    [InlineData("SIM_STRESS_MAX_HANGS", "0", "SIM_STRESS_MAX_HANGS=\"0\" is not valid")]
    [InlineData("SIM_MAX_STEPS", "4294967295", "SIM_MAX_STEPS=\"4294967295\" is not valid: it must be a whole number from 10 to 214748364")]
    public void InvalidEnvironmentVariable_ExitsTwoWithOneLineAndWritesNothing(string variable, string value, string fragment)
    {
        _cli.Environment[variable] = value;

        _cli.Run("hunt", "--scenario", "pymutex-wakeup").AssertBadInput(fragment);
        Assert.False(Directory.Exists(_cli.OutputDirectory));
    }

    [Fact]
    public void ConfigFlag_PointsAtAnotherFile_AndAMissingOneIsBadInput()
    {
        var other = _cli.PathOf("other.config");
        File.WriteAllText(other, """{ "iterations": 9 }""");

        Assert.Equal(("9", "file", "other.config:1"), Setting(_cli.Run("config", "--json", "--config", other), "iterations"));
        _cli.Environment["SIM_CONFIG"] = other;
        Assert.Equal(("9", "file", "other.config:1"), Setting(_cli.Run("config", "--json"), "iterations"));
        _cli.Run("explore", "pymutex-wakeup", "--config", "nowhere.config").AssertBadInput("--config nowhere.config: no such file");
    }

    [Fact]
    public void ConfigFile_IsFoundFromASubfolder_AndItsOutputDirectoryIsRelativeToIt()
    {
        _cli.CurrentDirectory = Directory.CreateDirectory(_cli.PathOf("a/b")).FullName;

        Assert.Equal(("7", "file", _cli.PathOf("Coyote.config") + ":3"), Setting(_cli.Run("config", "--json"), "iterations"));
        Assert.Equal(_cli.OutputDirectory, Setting(_cli.Run("config", "--json"), "outputDirectory").Value);

        _cli.Environment["SIM_OUTPUT_DIRECTORY"] = "here";
        Assert.Equal(_cli.PathOf("a/b/here"), Setting(_cli.Run("config", "--json"), "outputDirectory").Value);
    }

    [Fact]
    public void UnknownSimVariable_IsWarnedAboutButDoesNotStopTheTool()
    {
        _cli.Environment["SIM_ITERATION"] = "5";

        var result = _cli.Run("config");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("SIM_ITERATION is not a setting and is ignored (did you mean 'SIM_ITERATIONS'?)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void TheThreadReuseSwitch_IsNoSettingButIsNotWarnedAbout()
    {
        _cli.Environment["SIM_THREAD_REUSE"] = "0";

        var result = _cli.Run("config");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("SIM_THREAD_REUSE", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void RandomSeed_IsDrawnReportedAndRecorded()
    {
        _cli.Environment["SIM_SEED"] = "random";

        var result = _cli.Run("explore", "pymutex-wakeup", "--variant", "unlock-ignores-parked", "--iterations", "300");

        var seed = result.Out.Split("seed ")[1].Split(',')[0];
        Assert.True(uint.TryParse(seed, out _), result.Out);
        if (result.ExitCode == 1)
        {
            Assert.Contains($"portfolio-{seed}.json", result.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ExplorationSettings_AreRecordedOneFieldPerRow_AndReadBackUnchanged()
    {
        var options = new ExplorationOptions
        {
            Strategy = Strategy.DelayBounding, StrategyBound = 3, Iterations = 77, MaxSteps = 500, Seed = 9, TimeLimit = TimeSpan.FromSeconds(1.5),
            VirtualNanosPerStep = 42, YieldFairness = 70, HangTimeout = TimeSpan.FromSeconds(0.3), PlainAccessPoints = true,
        };

        var record = RecordedSettings.Of(options);

        Assert.Equal(SettingFields.All.Where(f => f.Scope == SettingScope.Exploration).Select(f => f.Key), record.Select(p => p.Key));
        Assert.Equal("delay-bounding", record["strategy"]!.GetValue<string>());
        Assert.Equal(options, RecordedSettings.Read(record));
        Assert.Equal(options with { PlainAccessPoints = false }, RecordedSettings.Read(RecordedSettings.Of(options with { PlainAccessPoints = false })));
        Assert.Equal(new ExplorationOptions(), RecordedSettings.Read([]));
    }

    [Fact]
    public void RunsFlag_ReplacesTheStressTimeLimit_AndGivingBothIsBadInput()
    {
        File.WriteAllText(_cli.PathOf("Coyote.config"), """{ "stress": { "runs": null, "seconds": 4 } }""");

        Assert.Equal(("none", "flag", "--stress-runs"), Setting(_cli.Run("config", "--json", "--stress-runs", "3"), "stress.seconds"));
        _cli.Run("config", "--stress-runs", "3", "--stress-seconds", "1").AssertBadInput("give --stress-runs or --stress-seconds, not both");
    }

    private static (string Value, string Source, string Where) Setting(CliResult result, string key)
    {
        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        var setting = json.RootElement.GetProperty("settings").EnumerateArray().Single(s => s.GetProperty("key").GetString() == key);
        return (setting.GetProperty("value").GetString()!, setting.GetProperty("source").GetString()!, setting.GetProperty("where").GetString()!);
    }

    public void Dispose() => _cli.Dispose();
}
