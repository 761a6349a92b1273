using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.ThreadStates;

/// <summary>
/// <c>os.fork()</c> and stop-the-world (<c>PyOS_BeforeFork</c>, <c>PyOS_AfterFork_Child</c>, <c>Modules/posixmodule.c</c>;
/// seed "Split <c>_PyThreadState_DeleteExcept</c>"). A daemon thread runs the interpreter's collection
/// (<c>_PyEval_StopTheWorld</c>) and keeps a thread-local whose destructor runs another collection, while the main thread
/// forks. In the child the daemon thread is gone: its state is removed and deleted, which runs the destructor on the main
/// thread, and the child then collects. Both collections must complete: no lock the child needs may be held by a thread
/// that does not exist in it, and no destructor may run while the world is still stopped.
/// </summary>
/// <remarks>
/// Broken variants: <c>fork-without-stop-the-world</c> forks with only <c>HEAD_LOCK</c> held, as the default build may
/// (only the GIL holder runs there): the daemon can be in the middle of its collection, holding
/// <c>interp-&gt;stoptheworld.mutex</c> with a request pending, and the child deadlocks on it.
/// <c>delete-except-world-stopped</c> clears the dead threads' states before restarting the world, as
/// <c>_PyThreadState_DeleteExcept</c> did: the destructor's collection waits for the stop-the-world lock its own thread
/// holds. <c>delete-under-head-lock</c> clears them holding <c>HEAD_LOCK</c>: the destructor's collection takes it in
/// <c>stop_the_world</c>, on the thread that holds it. <c>lock-order-3.13.0</c> is 3.13.0's <c>stop_the_world</c>, which takes the per-interpreter mutex before the
/// readers-writer one: exploration finds the collector blocked between the two when the fork's global stop suspends it,
/// so the child inherits the interpreter's stop-the-world mutex locked. gh-137433 reported this lock order deadlocking at
/// finalization with a daemon thread, and PR #137735 swapped the order; the fork is a second way to reach it.
/// </remarks>
[Scenario("fork-stop-the-world")]
public sealed class ForkStopTheWorld : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary => "A fork child can stop the world again: the parent paused every thread before forking, and the child restarts the world before running destructors.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Seed \"Split _PyThreadState_DeleteExcept into two functions\" (_PyThreadState_RemoveExcept, _PyThreadState_DeleteList)",
        "Seed \"The --disable-gil builds occasionally need to pause all but one thread ... Before calling fork()\"",
        "Modules/posixmodule.c (3.13): PyOS_BeforeFork (_PyEval_StopTheWorldAll, HEAD_LOCK), PyOS_AfterFork_Child",
        "Python/pystate.c (3.13): _PyRuntimeState_ReInitThreads, _PyThreadState_RemoveExcept, _PyThreadState_DeleteList, stop_the_world",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("fork-3.13", "CPython 3.13: PyOS_BeforeFork stops the world; the child removes the dead states, restarts the world, then deletes them (stop_the_world takes stoptheworld_mutex first, gh-137433).",
            Expectation.Clean, ModelConfig.Cpython313),
        new("fork-without-stop-the-world", "Broken: no pause before the fork; the child inherits a stop-the-world lock held, and a request made, by a thread that does not exist in it.",
            Expectation.BugAnyOf("parked on interp.stoptheworld.mutex", "parked on tstate[T1].state"),
            ModelConfig.Cpython313 with { Lifecycle = LifecycleDesign.Cpython313 with { Fork = PauseProtocol.None } }),
        new("delete-except-world-stopped", "Broken (before the split of _PyThreadState_DeleteExcept): the dead states are cleared with the world stopped; a destructor's collection waits for the main thread's own stop-the-world lock.",
            Expectation.Bug("parked on _PyRuntime.stoptheworld_mutex"),
            ModelConfig.Cpython313 with { Lifecycle = LifecycleDesign.Cpython313 with { DeadThreadStates = DeadThreadStates.DeleteWithTheWorldStopped } }),
        new("delete-under-head-lock", "Broken (a plausible design the split prevents): the dead states are cleared holding HEAD_LOCK; a destructor's collection takes HEAD_LOCK in stop_the_world and deadlocks on its own thread.",
            Expectation.Bug("parked on HEAD_LOCK"),
            ModelConfig.Cpython313 with { Lifecycle = LifecycleDesign.Cpython313 with { DeadThreadStates = DeadThreadStates.DeleteUnderHeadLock } }),
        new("lock-order-3.13.0", "CPython 3.13.0 (gh-137433): stop_the_world takes interp->stoptheworld.mutex before stoptheworld_mutex; the collector, blocked behind the fork's global stop, holds it, and the child deadlocks on it.",
            Expectation.Bug("parked on interp.stoptheworld.mutex"),
            ModelConfig.Cpython313 with { ThreadStates = ThreadStateDesign.Cpython313 with { LockOrder = StopTheWorldLockOrder.PerKindMutexFirst } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig config)
    {
        var interp = new PyInterpreterState(runtime, config);
        var threading = ThreadingModule.Import(interp);

        void Collect()
        {
            interp.StopTheWorld(); // gc_collect_main: _PyEval_StopTheWorld(interp)
            interp.StartTheWorld();
        }

        threading.NewThread("collector", () =>
        {
            interp.CurrentThreadState.SetDictItem("local", Collect); // a threading.local value whose __del__ collects
            Collect();
            interp.CurrentThreadState.CheckPeriodic();
        }, daemon: true).Start();

        threading.ForkAndContinueAsChild();

        // The child.
        runtime.Check(interp.ThreadStatesForCheck.Count == 1, $"the fork child still has the states of threads that do not exist in it: {string.Join(", ", interp.ThreadStatesForCheck)}");
        Collect();
    }
}
