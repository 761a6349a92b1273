using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Threading;

/// <summary>
/// gh-115035 (PR #115042, the seed's "This marks dead ThreadHandles as non-joinable earlier in
/// <c>PyOS_AfterFork_Child()</c>..."): thread T2 starts and finishes but is not joined; the program drops it, and its
/// <c>Thread</c> object and handle survive in a reference cycle. T3 is still running. The main thread forks. In the
/// child, the first garbage collection frees T2's handle: if it is still RUNNING, its destructor detaches T2's OS thread,
/// which does not exist in the child, and the child crashes. 3.13 marks every inherited handle except the current
/// thread's as DONE, not joinable, from C (<c>_PyThread_AfterFork</c>) before any Python code or collection runs; before
/// the fix, <c>threading._after_fork</c> did it from Python, after a collection could already have run. In the child,
/// <c>T3.join()</c> must return at once without joining the vanished thread, and every inherited handle must end DONE,
/// with its once flag initialised, its event set and its mutex free.
/// </summary>
/// <remarks>
/// The main thread waits for T2 to finish by polling <c>is_alive()</c>, as a program that does not join would; T2's
/// handle can be freed in the child only if T2 also dropped its own reference before the fork, which exploration must
/// find. Whether a collection runs before <c>threading._after_fork</c> is a controlled choice (collections are triggered
/// by allocation counts). The model has no cycle collector: the scenario frees what it left in the cycle when the
/// collection runs. Fork scenarios are meant for exploration: on real threads a vanished thread keeps running until it
/// next blocks.
/// </remarks>
[Scenario("thread-handle-after-fork")]
public sealed class AfterForkHandles : Scenario<ThreadingDesign>
{
    /// <inheritdoc/>
    public override string Summary => "The fork child marks inherited thread handles not joinable before any handle can be freed, so nothing joins or detaches a vanished thread.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-115035 (crash in ThreadHandle_dealloc after fork); PR #115042",
        "Modules/_threadmodule.c (3.13): _PyThread_AfterFork, ThreadHandle_decref, detach_thread",
        "Python/pystate.c (3.13): _PyRuntimeState_ReInitThreads; Modules/posixmodule.c: PyOS_BeforeFork, PyOS_AfterFork_Child",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ThreadingDesign>> DefineVariants() =>
    [
        new("mark-in-runtime-3.13", "CPython 3.13: _PyRuntimeState_ReInitThreads calls _PyThread_AfterFork before any Python code runs.",
            Expectation.Clean, ThreadingDesign.Cpython313),
        new("afterfork-late-marking", "Before gh-115035: threading._after_fork marks the handles from Python; a collection that runs first frees T2's RUNNING handle, which detaches a thread that does not exist in the child.",
            Expectation.Bug("which does not exist in this process"), ThreadingDesign.Cpython313 with { AfterForkMarking = AfterForkMarking.FromPythonAfterFork }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ThreadingDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Threading = design });
        var threading = ThreadingModule.Import(interp);
        var never = new PyEvent(runtime, "never");

        var t2 = (ThreadingThread313)threading.NewThread("T2", () => { });
        var t3 = (ThreadingThread313)threading.NewThread("T3", never.Wait, daemon: true);
        t2.Start();
        t3.Start();
        while (t2.IsAlive())
        {
            runtime.Yield("T2 to finish (is_alive() polling, no join)");
        }

        // T2 is dropped unjoined; its Thread object and handle live on in a reference cycle until a collection.
        var inherited = new[] { t2.Handle.Handle, t3.Handle.Handle };
        threading.ForkAndContinueAsChild(collectGarbage: t2.Handle.Dealloc);

        // The child.
        t3.Join();
        runtime.Check(!t3.IsAlive(), "in the child, T3.join() returned but T3.is_alive() is True");
        foreach (var h in inherited.Where(h => !h.IsFreed))
        {
            runtime.Check(h.State.Peek() == ThreadHandleState.Done && h.Once.IsInitializedForCheck && h.ThreadIsExiting.IsSetForCheck && !h.Mutex.IsLockedForCheck,
                $"in the child, inherited {h} is not marked: once {h.Once}, event {h.ThreadIsExiting}, mutex {h.Mutex}");
            runtime.Check(h.OsJoinsForCheck == 0, $"in the child, {h.Name}'s vanished OS thread was joined");
        }
    }
}
