using System.Text.Json;
using Sim.Cli.Hunting;
using Sim.Cli.Traces;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Runtime.Threads;
using Sim.Scenarios.Catalog;

namespace Sim.Cli.Tests;

/// <summary>
/// A scenario that throws, deadlocks or blocks outside the Runtime is a finding (or a scenario error) with a verdict,
/// never a crash of the tool; a finding's trace file round-trips and replays.
/// </summary>
public sealed class FindingsTests : IDisposable
{
    private static readonly ExplorationOptions s_options = new() { Iterations = 50, Seed = 7, HangTimeout = TimeSpan.FromMilliseconds(300) };

    private readonly CliHarness _cli = new();

    [Theory]
    [InlineData("throws", FindingKind.Exception, "threw InvalidOperationException")]
    [InlineData("deadlocks", FindingKind.Deadlock, "Deadlock")]
    public void BrokenScenario_IsAFindingWithATraceThatReplays(string variant, FindingKind kind, string fragment)
    {
        var target = Target(variant);

        var result = VariantExploration.Run(target, s_options);

        Assert.True(result.Outcome == Outcome.BugFound, $"{result.Outcome}: {result.Message}");
        Assert.True(kind == result.Kind, result.Message);
        Assert.Contains(fragment, result.Message!, StringComparison.Ordinal);
        Assert.Equal(VerdictKind.Met, Verdict.Judge(target.Variant.Expected, result, s_options.Iterations).Kind);

        var path = VariantExploration.SaveTrace(target, s_options, result, _cli.OutputDirectory)!;
        var trace = TraceStore.Load(path, "trace");
        Assert.Equal(result.Message, trace.Finding.Message);
        Assert.Equal(result.Steps.Count, trace.Steps.Count);
        var replayed = Explorer.Replay(target.Scenario.Program(target.Variant), TraceStore.Schedule(trace, "trace"), TraceStore.ReplayOptions(trace, "trace"));
        Assert.Equal(result.Message, replayed.Message);
        Assert.Equal(result.Steps, replayed.Steps);
    }

    [Fact]
    public void ScenarioBlockingOutsideTheRuntime_IsAScenarioErrorNotAFinding()
    {
        var target = Target("blocks-outside");

        var result = VariantExploration.Run(target, s_options with { Iterations = 1 });

        Assert.Equal(Outcome.ScenarioError, result.Outcome);
        var verdict = Verdict.Judge(target.Variant.Expected, result, 1);
        Assert.Equal(VerdictKind.Error, verdict.Kind);
        Assert.StartsWith("scenario error (not a finding)", verdict.Explanation, StringComparison.Ordinal);
        Assert.Null(VariantExploration.SaveTrace(target, s_options, result, _cli.OutputDirectory));
    }

    [Fact]
    public void Verdict_OfAnotherBugOrAMissedBug_IsNotMet()
    {
        var found = new ExplorationResult { Outcome = Outcome.BugFound, Kind = FindingKind.Assertion, Message = "lost update", Iterations = 3, SchedulingSteps = 9, Elapsed = TimeSpan.Zero, Strategy = "random" };
        var clean = found with { Outcome = Outcome.Clean, Kind = null, Message = null, Iterations = 10 };

        Assert.Equal(VerdictKind.NotMet, Verdict.Judge(Expectation.Bug("Deadlock"), found, 10).Kind);
        Assert.Equal(VerdictKind.Met, Verdict.Judge(Expectation.Bug("lost"), found, 10).Kind);
        Assert.Equal(VerdictKind.NotMet, Verdict.Judge(Expectation.Clean, found, 10).Kind);
        Assert.Equal(VerdictKind.NotMet, Verdict.Judge(Expectation.Bug("lost"), clean, 10).Kind);
        Assert.Equal(VerdictKind.Met, Verdict.Judge(Expectation.Clean, clean, 10).Kind);
    }

    [Fact]
    public void AThreadOutOfStack_IsAnErrorOfTheTool_WithItsOwnExitCode_NeverAFinding()
    {
        // Out of memory takes the same path (Unwinding.IsToolFailure): where it surfaces says nothing about the scenario.
        var assembly = typeof(FindingsTests).Assembly.Location;

        var explore = _cli.Run("explore", "misbehaving", "--variant", "out-of-stack", "--assembly", assembly, "--iterations", "5");

        Assert.True(explore.ExitCode == ExitCodes.ToolError, explore.Out + explore.Error);
        Assert.Contains("TOOL ERROR (an error of sim itself, not a finding of the scenario)", explore.Out, StringComparison.Ordinal);
        Assert.Contains("the tool ran out of resources while T2(worker) ran", explore.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("BUG FOUND", explore.Out, StringComparison.Ordinal);

        var hunt = _cli.Run("hunt", "--assembly", assembly, "--scenario", "misbehaving/throws", "--scenario", "misbehaving/out-of-stack", "--iterations", "5");

        Assert.True(hunt.ExitCode == ExitCodes.ToolError, hunt.Out + hunt.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_cli.OutputDirectory, "hunt.json")));
        var outcomes = json.RootElement.GetProperty("results").EnumerateArray()
            .ToDictionary(e => e.GetProperty("variant").GetString()!, e => e.GetProperty("outcome").GetString());
        Assert.Equal("bugFound", outcomes["throws"]);
        Assert.Equal("toolError", outcomes["out-of-stack"]);
    }

    private static VariantRef Target(string variant)
    {
        var scenario = new Misbehaving();
        return new VariantRef(scenario, scenario.FindVariant(variant)!);
    }

    public void Dispose() => _cli.Dispose();

    /// <summary>Test-only scenario whose variants misbehave on purpose.</summary>
    [Scenario("misbehaving")]
    private sealed class Misbehaving : Scenario<string>
    {
        public override string Summary => "Misbehaves on purpose.";

        public override IReadOnlyList<string> References => [];

        protected override IEnumerable<Variant<string>> DefineVariants() =>
        [
            new("throws", "A thread throws.", Expectation.Bug("threw"), "throws"),
            new("deadlocks", "Two threads wait for each other.", Expectation.Bug("Deadlock"), "deadlocks"),
            new("blocks-outside", "A thread sleeps outside the Runtime.", Expectation.Clean, "blocks-outside"),
            new("out-of-stack", "A thread meets what the runtime throws when the process runs out of stack.", Expectation.Clean, "out-of-stack"),
        ];

        protected override void Run(SimRuntime runtime, string design)
        {
            var flag = new AtomicInt(runtime, "flag");
            switch (design)
            {
                case "throws":
                    var t = runtime.StartThread("thrower", () =>
                    {
                        flag.Store(1);
                        throw new InvalidOperationException("boom");
                    });
                    flag.Load();
                    t.Join();
                    break;
                case "deadlocks":
                    SimThread? other = null;
                    var first = runtime.StartThread("first", () =>
                    {
                        while (Volatile.Read(ref other) is null)
                        {
                            runtime.Yield("waiting for the second thread");
                        }

                        other!.Join();
                    });
                    // Each joins the other; the main thread leaves them to the harness, which waits for every thread.
                    Volatile.Write(ref other, runtime.StartThread("second", () => first.Join()));
                    break;
                case "out-of-stack":
                    runtime.StartThread("worker", () => throw new InsufficientExecutionStackException()).Join();
                    break;
                default:
                    flag.Store(1);
                    Thread.Sleep(2000);
                    flag.Load();
                    break;
            }
        }
    }
}
