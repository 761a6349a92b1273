using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.ThreadStates;

/// <summary>
/// A thread exits while the world is being stopped (<c>tstate_delete_common</c>, <c>Python/pystate.c</c>, 3.13): the
/// requester counted W, which updates an object and exits (its state stays ATTACHED until it is unlinked, gh-117303), so
/// W never suspends. Unlinking the state under <c>HEAD_LOCK</c> takes it off the countdown ("Any ongoing stop-the-world
/// request should not wait for us because our thread is getting deleted").
/// </summary>
/// <remarks>
/// The broken variant <c>exit-without-countdown</c> only unlinks: the countdown never reaches zero, and the requester's
/// 1 ms poll of <c>stop_event</c> goes on forever, a livelock that the step bound reports.
/// </remarks>
[Scenario("stop-the-world-thread-exit")]
public sealed class StopTheWorldThreadExit : Scenario<ThreadStateDesign>
{
    /// <inheritdoc/>
    public override string Summary => "A counted thread that exits during a stop-the-world takes itself off the countdown, so the requester stops waiting for it.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-111964 (PR #112471): stop-the-world pauses for the free-threaded build",
        "Python/pystate.c (3.13): tstate_delete_common, decrement_stoptheworld_countdown, stop_the_world (the 1 ms wait on stop_event)",
        "gh-117303: the thread state stays attached until it is unlinked",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ThreadStateDesign>> DefineVariants() =>
    [
        new("countdown-on-delete-3.13", "CPython 3.13: tstate_delete_common decrements the countdown of every requested stop for a state that is not SUSPENDED.",
            Expectation.Clean, ThreadStateDesign.Cpython313),
        new("exit-without-countdown", "Broken: a counted thread's state is unlinked without leaving the countdown; the requester polls stop_event forever (a lost wake-up).",
            Expectation.Bug("Livelock"), ThreadStateDesign.Cpython313 with { DeleteDuringStop = DeleteDuringStop.Unlink }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ThreadStateDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { ThreadStates = design });
        var o = new PlainCell<int>(runtime, "o.value");
        var w = PythonThread.Start(runtime, interp, "W", _ => o.Write(o.Read() + 1));

        interp.StopTheWorld(); // the GC: _PyEval_StopTheWorld(interp)
        var before = o.Read();
        var after = o.Read();
        runtime.Check(before == after, $"o.value changed from {before} to {after} while the world is stopped by the main thread");
        interp.StartTheWorld();
        PythonThread.JoinAll(interp, w);
    }
}
