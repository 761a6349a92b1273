using Sim.Model.Interpreter;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Interpreter;

public class StopTheWorldStandInTests
{
    [Fact]
    public void WhileTheWorldIsStopped_NoOtherThreadRunsPythonCode_UnderExploration() =>
        Exploring.StaysClean(rt => StopWhileOthersRun(rt, rounds: 2), iterations: 300);

    [Fact]
    public void WhileTheWorldIsStopped_NoOtherThreadRunsPythonCode_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => StopWhileOthersRun(rt, rounds: 200), runs: 10);

    /// <summary>
    /// Two threads run Python code (a ghost flag says when) while the main thread stops the world and checks that every
    /// other thread state is SUSPENDED and nobody is inside Python code, then starts it again.
    /// </summary>
    private static void StopWhileOthersRun(SimRuntime rt, int rounds)
    {
        var interp = MemoryKit.Interp(rt);
        var running = new AtomicInt(rt, "running");
        var workers = Enumerable.Range(0, 2).Select(i => MemoryKit.Start(rt, interp, $"t{i}", t =>
        {
            for (var n = 0; n < rounds; n++)
            {
                running.FetchAdd(1);
                running.FetchAdd(-1);
                t.CheckPeriodic();
            }
        })).ToArray();
        interp.StopTheWorld();
        rt.Check(running.Peek() == 0, "a thread runs Python code while the world is stopped");
        var others = interp.ThreadStatesForCheck.Where(t => !ReferenceEquals(t, interp.MainThreadState));
        rt.Check(others.All(t => t.State.Peek() == ThreadStateStatus.Suspended), $"the world is stopped but {string.Join(", ", others.Select(t => $"{t}: {ThreadStateStatus.Describe(t.State.Peek())}"))}");
        interp.StartTheWorld();
        MemoryKit.Join(interp, workers);
    }
}
