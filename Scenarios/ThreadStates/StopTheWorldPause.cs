using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.ThreadStates;

/// <summary>
/// Stop-the-world (gh-111964, PR #112471; seed "The <c>--disable-gil</c> builds occasionally need to pause all but one
/// thread"): the main thread pauses the interpreter (<c>_PyEval_StopTheWorld</c>, as the free-threaded GC does) while two
/// workers each update an object of their own, attached, and make blocking calls (detach, attach) in between. With the
/// world stopped the requester reads both objects twice: nothing may change them, and no worker may be attached, until it
/// restarts the world.
/// </summary>
/// <remarks>
/// Broken variants: <c>park-detached-check-then-store</c> reads a worker's state and then stores SUSPENDED, instead of the
/// CAS in <c>park_detached_threads</c>, so a worker that attaches in between runs while counted as stopped;
/// <c>attach-without-wait</c> attaches with the default build's plain store (<c>tstate_try_attach</c> without the GIL's
/// protection), so a suspended worker re-attaches without waiting for <c>start_the_world</c>: it runs while the world is
/// stopped, or is still ATTACHED when <c>start_the_world</c> checks it, or suspends a second time and takes the countdown
/// below zero (each a checked invariant; which one exploration meets first depends on the schedule). Objects are plain fields
/// (each read and write a scheduling point).
/// </remarks>
[Scenario("stop-the-world-pause")]
public sealed class StopTheWorldPause : Scenario<ThreadStateDesign>
{
    /// <inheritdoc/>
    public override string Summary => "While a requester has the world stopped, no other thread is attached and no object changes.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-111964 (PR #112471): stop-the-world pauses for the free-threaded build",
        "Python/pystate.c (3.13): stop_the_world, park_detached_threads, start_the_world, tstate_try_attach, tstate_wait_attach, _PyThreadState_Suspend",
        "Python/ceval_gil.c (3.13): _Py_HandlePending, _PY_EVAL_PLEASE_STOP_BIT",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ThreadStateDesign>> DefineVariants() =>
    [
        new("stop-the-world-3.13", "CPython 3.13: DETACHED threads are parked by CAS, ATTACHED ones asked to stop; a SUSPENDED thread's attach waits for start_the_world.",
            Expectation.Clean, ThreadStateDesign.Cpython313),
        new("park-detached-check-then-store", "Broken: park_detached_threads reads DETACHED, then stores SUSPENDED; a thread that attaches in between is counted as stopped while it runs.",
            Expectation.BugAnyOf("while the world is stopped", "ran Python code while its state was", "data race on a.value", "data race on b.value"), ThreadStateDesign.Cpython313 with { ParkDetached = ParkDetachedProtocol.CheckThenStore }),
        new("attach-without-wait", "Broken: the default build's tstate_try_attach (a plain store of ATTACHED, safe only under the GIL); a suspended thread re-attaches before the world restarts.",
            Expectation.BugAnyOf("while the world is stopped", "not SUSPENDED", "thread_countdown", "data race on a.value", "data race on b.value"), ThreadStateDesign.Cpython313 with { Attach = AttachProtocol.PlainStore }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ThreadStateDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { ThreadStates = design });
        var objects = new[] { new PlainCell<int>(runtime, "a.value"), new PlainCell<int>(runtime, "b.value") };

        var workers = objects.Select((o, i) => PythonThread.Start(runtime, interp, $"W{i + 1}", tstate =>
        {
            for (var round = 0; round < 2; round++)
            {
                o.Write(o.Read() + 1); // Python code updates its object
                tstate.Detach(); // a blocking call: Py_BEGIN_ALLOW_THREADS
                tstate.Attach(); // Py_END_ALLOW_THREADS
                tstate.CheckPeriodic();
            }
        })).ToArray();

        interp.StopTheWorld(); // the GC: _PyEval_StopTheWorld(interp)
        var before = objects.Select(o => o.Read()).ToArray();
        var after = objects.Select(o => o.Read()).ToArray();
        for (var i = 0; i < objects.Length; i++)
        {
            runtime.Check(before[i] == after[i], $"{objects[i].Name} changed from {before[i]} to {after[i]} while the world is stopped by the main thread");
        }

        interp.StartTheWorld();
        PythonThread.JoinAll(interp, workers);
    }
}
