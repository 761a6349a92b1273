using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.ThreadStates;

/// <summary>
/// A global and a per-interpreter stop-the-world at once, with two interpreters (<c>stop_the_world</c>,
/// <c>Python/pystate.c</c>, 3.13; <c>_PyRuntime.stoptheworld_mutex</c>, <c>Include/internal/pycore_runtime.h</c>). Thread
/// S creates a second interpreter (<c>Py_NewInterpreterFromConfig</c>), starts a worker W1 in it and runs that
/// interpreter's collection (<c>_PyEval_StopTheWorld(interp1)</c>); meanwhile the main thread, in the main interpreter
/// with worker W0, pauses every interpreter (<c>_PyEval_StopTheWorldAll</c>, as <c>PyOS_BeforeFork</c> does). Each
/// requester reads the objects of the workers it paused twice: nothing may change them while its world is stopped.
/// </summary>
/// <remarks>
/// The broken variant <c>per-kind-mutex-only</c> drops the readers-writer mutex: each kind of stop is serialised only with
/// itself, so the two run at once over interpreter 1's threads, and one restarts (or waits for) threads the other counts
/// as its own.
/// </remarks>
[Scenario("stop-the-world-two-interpreters")]
public sealed class StopTheWorldTwoInterpreters : Scenario<ThreadStateDesign>
{
    /// <inheritdoc/>
    public override string Summary => "A global and a per-interpreter stop-the-world never overlap: each requester's world stays stopped until it restarts it.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-111964 (PR #112471): _PyEval_StopTheWorldAll and the per-interpreter _PyEval_StopTheWorld",
        "Include/internal/pycore_runtime.h (3.13): stoptheworld_mutex, \"used to prevent overlapping global and per-interpreter stop-the-world events\"",
        "Python/pystate.c (3.13): stop_the_world, start_the_world, _PyThreadState_Suspend (the global request first)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ThreadStateDesign>> DefineVariants() =>
    [
        new("rwmutex-3.13", "CPython 3.13: a global stop takes stoptheworld_mutex as a writer, a per-interpreter stop as a reader.",
            Expectation.Clean, ThreadStateDesign.Cpython313),
        new("per-kind-mutex-only", "Broken: only stw->mutex; a global and a per-interpreter stop overlap over the same threads.",
            Expectation.BugAnyOf("while the world is stopped", "not SUSPENDED", "Livelock", "thread_countdown"), ThreadStateDesign.Cpython313 with { Exclusion = StopTheWorldExclusion.PerKindMutexOnly }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ThreadStateDesign design)
    {
        var config = ModelConfig.Cpython313 with { ThreadStates = design };
        var main = new PyInterpreterState(runtime, config);
        var a = new PlainCell<int>(runtime, "a.value");
        var b = new PlainCell<int>(runtime, "b.value");
        var w0 = PythonThread.Start(runtime, main, "W0", _ => a.Write(a.Read() + 1));

        var s = runtime.StartThread("S", () =>
        {
            var sub = new PyInterpreterState(main.RuntimeState, config); // S's state in it becomes current
            var w1 = PythonThread.Start(runtime, sub, "W1", _ => b.Write(b.Read() + 1));
            sub.StopTheWorld(); // interpreter 1's collection
            CheckUnchanged(runtime, "S", b);
            sub.StartTheWorld();
            PythonThread.JoinAll(sub, w1);
            sub.MainThreadState.Clear(); // Py_EndInterpreter
            sub.MainThreadState.DeleteCurrent();
        });

        main.RuntimeState.StopTheWorldAll();
        CheckUnchanged(runtime, "the main thread", a, b);
        main.RuntimeState.StartTheWorldAll();
        PythonThread.JoinAll(main, w0, s);
    }

    private static void CheckUnchanged(SimRuntime runtime, string requester, params PlainCell<int>[] objects)
    {
        var before = objects.Select(o => o.Read()).ToArray();
        var after = objects.Select(o => o.Read()).ToArray();
        for (var i = 0; i < objects.Length; i++)
        {
            runtime.Check(before[i] == after[i], $"{objects[i].Name} changed from {before[i]} to {after[i]} while the world is stopped by {requester}");
        }
    }
}
