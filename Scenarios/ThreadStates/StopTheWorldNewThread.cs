using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.ThreadStates;

/// <summary>
/// A thread created while the world is being stopped (<c>init_threadstate</c>, <c>Python/pystate.c</c>, 3.13): a thread,
/// "starter", starts another, "started" (<c>threading.Thread.start</c>: <c>ThreadHandle_start</c> creates the new thread
/// state on the starting thread) while the main thread stops the world. The requester counted the threads before the new
/// state existed, so the new thread must not run until the world restarts: 3.13 creates its state SUSPENDED, and its
/// first attach waits. It updates an object, which the requester reads twice with the world stopped.
/// </summary>
/// <remarks>
/// The broken variant <c>new-state-detached</c> creates the state DETACHED, as before stop-the-world: the new thread
/// attaches uncounted, or a later pass parks it and takes it off a countdown that never included it, so the countdown
/// reaches zero while a counted thread still runs.
/// </remarks>
[Scenario("stop-the-world-new-thread")]
public sealed class StopTheWorldNewThread : Scenario<ThreadStateDesign>
{
    /// <inheritdoc/>
    public override string Summary => "A thread state created while the world is being stopped starts SUSPENDED: the new thread runs only after the world restarts.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-111964 (PR #112471): stop-the-world pauses for the free-threaded build",
        "Python/pystate.c (3.13): new_threadstate, init_threadstate (\"Start in the suspended state if there is an ongoing stop-the-world\"), stop_the_world, park_detached_threads",
        "Modules/_threadmodule.c (3.13): ThreadHandle_start (the thread state is created by the starting thread)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ThreadStateDesign>> DefineVariants() =>
    [
        new("start-suspended-3.13", "CPython 3.13: a state created under a stop request starts SUSPENDED, so its thread's first attach waits for start_the_world.",
            Expectation.Clean, ThreadStateDesign.Cpython313),
        new("new-state-detached", "Broken: the state starts DETACHED; the requester, which did not count it, finds it attached, or parks it and counts it off a countdown that never included it.",
            Expectation.BugAnyOf("while the world is stopped", "thread_countdown"), ThreadStateDesign.Cpython313 with { NewStateDuringStop = NewStateDuringStop.Detached }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ThreadStateDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { ThreadStates = design });
        var threading = ThreadingModule.Import(interp);
        var o = new PlainCell<int>(runtime, "o.value");

        var starter = threading.NewThread("starter", () =>
        {
            threading.NewThread("started", () => o.Write(o.Read() + 1)).Start();
            interp.CurrentThreadState.CheckPeriodic();
        });
        starter.Start();

        interp.StopTheWorld(); // the GC: _PyEval_StopTheWorld(interp)
        var before = o.Read();
        var after = o.Read();
        runtime.Check(before == after, $"o.value changed from {before} to {after} while the world is stopped by the main thread");
        interp.StartTheWorld();

        threading.Shutdown(); // waits for both threads
    }
}
