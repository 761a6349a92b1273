using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Threading;

/// <summary>The 3.12 join design, and how its order of events differs from 3.13's.</summary>
public class ThreadingThread312Tests
{
    private static Action<SimRuntime> Joiners(int joiners, ThreadingDesign design) => rt =>
    {
        var threading = Py.Import(rt, design);
        var target = threading.NewThread("A", () => { });
        target.Start();
        var threads = Enumerable.Range(0, joiners).Select(i => threading.NewThread($"J{i}", () =>
        {
            target.Join();
            rt.Check(!target.IsAlive(), "join returned but is_alive() is True");
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (target is ThreadingThread312 t312)
        {
            rt.Check(t312.IsStoppedForCheck && t312.TstateLockForCheck is null, "after the joins A is not stopped");
        }
    };

    /// <summary>
    /// What a single joiner sees as join returns, over every explored schedule: whether the target's thread state is
    /// still linked.
    /// </summary>
    private static IReadOnlySet<string> ThreadStateSeenAsJoinReturns(ThreadingDesign design) =>
        Outcomes.Observed<string>((rt, observe) =>
        {
            var threading = Py.Import(rt, design);
            var target = threading.NewThread("A", () => { });
            target.Start();
            var os = rt.Threads.Single(t => t.Name == "A");
            target.Join();
            observe(threading.HasLinkedThreadState(os) ? "still linked" : "unlinked");
        });

    [Fact]
    public void OneJoiner_IsClean_UnderExploration() => Exploring.StaysClean(Joiners(1, ThreadingDesign.Cpython312), iterations: 300);

    [Fact]
    public void OneJoiner_IsClean_OnRealThreads() => Exploring.RunsCleanOnRealThreads(Joiners(1, ThreadingDesign.Cpython312), runs: 50);

    [Fact]
    public void TwoJoiners_TripTheStopAssertion() =>
        Exploring.FindsBug(Joiners(2, ThreadingDesign.Cpython312), "_stop: A._tstate_lock is held");

    [Fact]
    public void TwoJoiners_OfAThreadHandle_AreClean() => Exploring.StaysClean(Joiners(2, ThreadingDesign.Cpython313), iterations: 300);

    [Fact]
    public void TstateLock_IsReleasedBeforeTheThreadStateIsUnlinked_SoJoinMayReturnWhileItIsStillLinked() =>
        Assert.Equal(["still linked", "unlinked"], ThreadStateSeenAsJoinReturns(ThreadingDesign.Cpython312).Order());

    [Fact]
    public void ThreadIsExiting_IsSetAfterTheThreadStateIsUnlinked_SoJoinReturnsOnlyOnceItIsUnlinked() =>
        Assert.Equal(["unlinked"], ThreadStateSeenAsJoinReturns(ThreadingDesign.Cpython313).Order());

    [Fact]
    public void Join_BeforeStart_RaisesRuntimeError()
    {
        var rt = SimRuntime.CreateProduction();
        var t = Py.Import(rt, ThreadingDesign.Cpython312).NewThread("A", () => { });
        var e = Assert.Throws<ThreadError>(() => t.Join());
        Assert.Equal("cannot join thread before it is started", e.Message);
    }
}
