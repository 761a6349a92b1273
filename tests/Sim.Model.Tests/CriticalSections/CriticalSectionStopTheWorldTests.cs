using Sim.Model.CriticalSections;
using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.CriticalSections;

/// <summary>
/// Critical sections and stop-the-world: <c>_PyThreadState_Suspend</c> detaches through <c>detach_thread</c>, which calls
/// <c>_PyCriticalSection_SuspendAll</c>; the attach after the world restarts calls <c>_PyCriticalSection_Resume</c>.
/// </summary>
public class CriticalSectionStopTheWorldTests
{
    [Fact]
    public void AThreadSuspendedInASection_HoldsNoMutexWhileTheWorldIsStopped_AndHoldsItAgainAfter_UnderExploration() =>
        Exploring.StaysClean(rt => StopWhileInSection(rt, rounds: 2), iterations: 300);

    [Fact]
    public void AThreadSuspendedInASection_HoldsNoMutexWhileTheWorldIsStopped_AndHoldsItAgainAfter_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => StopWhileInSection(rt, rounds: 200), runs: 10);

    [Fact]
    public void SectionsThatAreNotSuspended_StillHoldTheirMutexWhileTheWorldIsStopped() =>
        Exploring.FindsBug(
            rt => StopWhileInSection(rt, rounds: 2, CriticalSectionDesign.Cpython313 with { Suspension = SectionSuspension.HeldWhileBlocked }),
            "holds x while the world is stopped");

    /// <summary>
    /// A worker runs Python code (a periodic check, where a stop-the-world request suspends it) inside a section on x,
    /// while the main thread stops and restarts the world once. While the world is stopped no suspended thread may hold x;
    /// after each periodic check inside the section the worker holds x again.
    /// </summary>
    private static void StopWhileInSection(SimRuntime rt, int rounds, CriticalSectionDesign? design = null)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { CriticalSections = design ?? CriticalSectionDesign.Cpython313 });
        var x = new PyMutex(rt, "x");
        var count = new PlainCell<int>(rt, "x.count");
        var worker = MemoryKit.Start(rt, interp, "worker", t =>
        {
            for (var r = 0; r < rounds; r++)
            {
                using (CriticalSection.BeginMutex(t, x))
                {
                    count.Write(count.Read() + 1);
                    t.CheckPeriodic(); // may suspend for the stop-the-world, then re-attach once the world restarts
                    rt.Check(x.IsLockedForCheck && t.CriticalSection.IsActive, "the worker's section was not resumed after its periodic check");
                    count.Write(count.Read() + 1);
                }
            }
        });
        interp.StopTheWorld();
        rt.Check(!x.IsLockedForCheck, "a suspended thread holds x while the world is stopped: its critical section was not suspended");
        interp.StartTheWorld();
        MemoryKit.Join(interp, worker);
        rt.Check(count.Peek() == 2 * rounds, $"x.count is {count.Peek()}, expected {2 * rounds}");
    }
}
