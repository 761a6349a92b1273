using Sim.Model.Ceval;
using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Ceval;

/// <summary>
/// A request for one thread through the eval breaker (the seed "adds an eval_breaker field to PyThreadState ... with
/// thread-local eval breakers, we can stop a specific thread (e.g., for an async exception) without interrupting other
/// threads"; gh-112175). A requester thread asks a target thread to raise an exception (<c>PyThreadState_SetAsyncExc</c>)
/// while the main thread runs Python code (periodic checks). The target loops until it raises; a periodic check of the
/// target that begins after the request was made must raise the exception, and no other thread may raise it.
/// </summary>
[Scenario("eval-breaker-async-exc")]
public sealed class AsyncExcRequest : Scenario<CevalDesign>
{
    private const string Exception = "KeyboardInterrupt";

    /// <inheritdoc/>
    public override string Summary => "An asynchronous exception requested for one thread is raised at that thread's next periodic check, whatever other threads do.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-112175 (PR #115194): per-thread eval_breaker",
        "Python/pystate.c: PyThreadState_SetAsyncExc (3.13)",
        "Python/ceval_gil.c: _Py_HandlePending, _PY_ASYNC_EXCEPTION_BIT (3.13)",
        "Include/internal/pycore_ceval.h: _Py_set_eval_breaker_bit, _Py_unset_eval_breaker_bit (3.13)",
        "Python/ceval_gil.c (3.12): the interpreter-wide eval_breaker and COMPUTE_EVAL_BREAKER",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<CevalDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "Per-thread eval breakers: the request bit goes to the target's word only.", Expectation.Clean, CevalDesign.Cpython313),
        new("per-interpreter-breaker", "Before gh-112175: one breaker for the interpreter; another thread's check sees the request, clears it and finds no exception of its own, so the target never raises.",
            Expectation.Bug("did not raise"), CevalDesign.Cpython313 with { Scope = EvalBreakerScope.PerInterpreter }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, CevalDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Ceval = design });
        var requested = false; // a ghost: set once PyThreadState_SetAsyncExc has returned

        // As ThreadHandle_start does, the target's thread state exists before the thread runs, so the request finds it.
        var target = runtime.CreateThread("target", () =>
        {
            var t = (PyThreadState)runtime.CurrentThread.ModelState!;
            t.Attach();
            while (t.RaisedException is null)
            {
                // A loop of Python code, interrupted only by the exception; it passes the eval breaker at each turn.
                var wasRequested = Volatile.Read(ref requested);
                t.CheckPeriodic();
                runtime.Check(!wasRequested || t.RaisedException == Exception, $"{t.Thread} passed a periodic check that began after PyThreadState_SetAsyncExc({t.Thread}) returned, and it did not raise {Exception}");
                runtime.Yield("the target's loop");
            }

            t.Clear();
            t.DeleteCurrent();
        });
        interp.NewThreadState(target);
        target.Start();
        var requester = PythonThread.Start(runtime, interp, "requester", t =>
        {
            var found = interp.SetAsyncExc(target.Id, Exception); // the target runs until it raises, so it is found
            Volatile.Write(ref requested, found == 1);
            t.CheckPeriodic();
            runtime.Check(t.RaisedException is null, $"{t.Thread} raised {t.RaisedException}, which was meant for another thread");
        });
        var main = interp.MainThreadState;
        for (var i = 0; i < 3; i++)
        {
            main.CheckPeriodic(); // the main thread runs Python code meanwhile
        }

        runtime.Check(main.RaisedException is null, $"{main.Thread} raised {main.RaisedException}, which was meant for another thread");
        PythonThread.JoinAll(interp, target, requester);
    }
}
