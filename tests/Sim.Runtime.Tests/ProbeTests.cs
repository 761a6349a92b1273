using Sim.Runtime.Exploration;
using Xunit.Abstractions;

namespace Sim.Runtime.Tests;

public class ProbeTests(ITestOutputHelper output)
{
    private static readonly ExplorationOptions Options = new() { Strategy = Strategy.Random, Iterations = 200, Seed = 1 };

    [Fact]
    public void LostUpdate()
    {
        var r = Explorer.Explore(rt =>
        {
            var c = new PlainCell<int>(rt, "counter");
            var ts = Enumerable.Range(0, 2).Select(i => rt.StartThread($"inc{i}", () => c.Write(c.Read() + 1))).ToList();
            foreach (var t in ts) t.Join();
            rt.Check(c.Peek() == 2, $"lost update: counter is {c.Peek()}");
        }, Options);
        output.WriteLine($"{r.Outcome} {r.Message} it={r.Iterations} steps={r.SchedulingSteps} {r.Elapsed}");
        foreach (var s in r.Steps) output.WriteLine(s.ToString());
        Assert.Equal(Outcome.BugFound, r.Outcome);
        var again = Explorer.Replay(rt =>
        {
            var c = new PlainCell<int>(rt, "counter");
            var ts = Enumerable.Range(0, 2).Select(i => rt.StartThread($"inc{i}", () => c.Write(c.Read() + 1))).ToList();
            foreach (var t in ts) t.Join();
            rt.Check(c.Peek() == 2, $"lost update: counter is {c.Peek()}");
        }, r.CoyoteTrace!, Options);
        output.WriteLine($"replay: {again.Outcome} {again.Message}");
        Assert.Equal(r.Message, again.Message);
    }

    [Fact]
    public void Deadlock()
    {
        var r = Explorer.Explore(rt =>
        {
            var word = new AtomicInt(rt, "word");
            var t = rt.StartThread("sleeper", () => rt.ParkingLot.Park(word, 0));
            t.Join();
        }, Options);
        output.WriteLine($"{r.Outcome} {r.Kind} {r.Message} it={r.Iterations} steps={r.SchedulingSteps} {r.Elapsed}");
        foreach (var s in r.Steps) output.WriteLine(s.ToString());
        Assert.Equal(FindingKind.Deadlock, r.Kind);
    }

    [Fact]
    public void TimedParkTimesOutInsteadOfDeadlock()
    {
        var r = Explorer.Explore(rt =>
        {
            var word = new AtomicInt(rt, "word");
            var t = rt.StartThread("sleeper", () => rt.Check(rt.ParkingLot.Park(word, 0, 1_000_000) == ParkResult.Timeout, "no timeout"));
            t.Join();
        }, Options);
        output.WriteLine($"{r.Outcome} {r.Kind} {r.Message} it={r.Iterations} steps={r.SchedulingSteps} {r.Elapsed}");
        Assert.Equal(Outcome.Clean, r.Outcome);
    }

    [Fact]
    public void Livelock()
    {
        var r = Explorer.Explore(rt =>
        {
            var flag = new AtomicInt(rt, "flag");
            var t = rt.StartThread("spinner", () => { while (flag.Load() == 0) rt.Yield(); });
            t.Join();
        }, Options with { MaxSteps = 200 });
        output.WriteLine($"{r.Outcome} {r.Kind} {r.Message} it={r.Iterations} steps={r.SchedulingSteps} {r.Elapsed}");
        Assert.Equal(FindingKind.Livelock, r.Kind);
    }

    [Fact]
    public void Uncontrolled()
    {
        var r = Explorer.Explore(rt =>
        {
            var flag = new AtomicInt(rt, "flag");
            Task.Run(() => flag.Store(1)).Wait();
        }, Options);
        output.WriteLine($"{r.Outcome} {r.Kind} {r.Message} it={r.Iterations} steps={r.SchedulingSteps} {r.Elapsed}");
        Assert.Equal(Outcome.ScenarioError, r.Outcome);
    }

    [Fact]
    public void Throughput()
    {
        var r = Explorer.Explore(rt =>
        {
            var c = new AtomicInt(rt, "c");
            var ts = Enumerable.Range(0, 2).Select(i => rt.StartThread($"w{i}", () => { for (int k = 0; k < 10; k++) c.FetchAdd(1); })).ToList();
            foreach (var t in ts) t.Join();
        }, Options with { Iterations = 500 });
        output.WriteLine($"{r.Outcome} it={r.Iterations} steps={r.SchedulingSteps} {r.Elapsed} -> {r.Iterations / r.Elapsed.TotalSeconds:0} it/s");
    }
}
