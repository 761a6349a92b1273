using Sim.Model.Ceval;
using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Gil;

/// <summary>
/// Turning the GIL off while threads wait for it (<c>_PyEval_DisableGIL</c>, <c>take_gil</c>'s re-check of
/// <c>gil-&gt;enabled</c>; <c>Python/ceval_gil.c</c>, gh-116322, 3.13). With <c>PYTHON_GIL</c> unset, the main thread imports
/// an extension module: the GIL is enabled transiently for its init, during which two new threads start and wait in
/// <c>take_gil</c>; the module declares <c>Py_MOD_GIL_NOT_USED</c>, so the GIL is disabled again, which drops it and wakes
/// one waiter. A woken waiter must see that the GIL is off, pass the wake-up on, and run without it; nobody may take a
/// disabled GIL.
/// </summary>
[Scenario("gil-disable-wakes-waiters")]
public sealed class DisableWakesWaiters : Scenario<GilDesign>
{
    /// <inheritdoc/>
    public override string Summary => "The GIL is disabled while two threads wait for it: neither takes the disabled GIL, and both run.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-116322 (PR #116882): Py_mod_gil, enabling the GIL while an extension module without it is imported",
        "Python/ceval_gil.c: take_gil, _PyEval_EnableGILTransient, _PyEval_DisableGIL, drop_gil_impl (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<GilDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "take_gil re-checks gil->enabled after its wait: if it is 0, it signals the next waiter and returns.", Expectation.Clean, GilDesign.Default),
        new("take-gil-no-recheck", "Broken (MECHANISMS.md A12): the woken waiter takes the GIL although it was disabled meanwhile.",
            Expectation.Bug("took the GIL after it was disabled"), GilDesign.Default with { TakeGilRechecksEnabled = false }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, GilDesign gil)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Gil = gil });
        var main = interp.MainThreadState;
        interp.Ceval.EnableGilTransient(main); // before the extension's init
        var workers = Enumerable.Range(0, 2).Select(i => PythonThread.Start(runtime, interp, $"worker{i}", t =>
        {
            t.CheckPeriodic();
            t.CheckPeriodic();
        })).ToArray();
        main.CheckPeriodic(); // the module's init runs
        interp.Ceval.DisableGil(main); // the module declares Py_MOD_GIL_NOT_USED
        PythonThread.JoinAll(interp, workers);
    }
}
