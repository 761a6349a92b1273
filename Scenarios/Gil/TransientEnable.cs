using Sim.Model.Ceval;
using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Gil;

/// <summary>
/// Turning the GIL on while other threads run without it (<c>_PyEval_EnableGILTransient</c>,
/// <c>Python/ceval_gil.c</c>; the re-check in <c>_PyThreadState_Attach</c>, <c>Python/pystate.c</c>; gh-116322, 3.13). With
/// <c>PYTHON_GIL</c> unset, two threads run Python code free-threaded while the main thread imports an extension module
/// that does not declare <c>Py_mod_gil</c>, which enables the GIL. "Enabling the GIL changes what it means to be an
/// attached thread": from then on, a thread that runs Python code must hold the GIL.
/// </summary>
[Scenario("gil-enable-transient")]
public sealed class TransientEnable : Scenario<GilDesign>
{
    /// <inheritdoc/>
    public override string Summary => "The GIL is enabled while two threads run free-threaded: afterwards every thread that runs Python code holds it.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-116322 (PR #116882): enable the GIL while loading an extension module without Py_mod_gil",
        "Python/ceval_gil.c: _PyEval_EnableGILTransient, take_gil (3.13)",
        "Python/pystate.c: _PyThreadState_Attach's re-check, _PyEval_StopTheWorldAll (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<GilDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "Detach, stop the world, enable, start the world, attach; an attaching thread re-checks and retries.", Expectation.Clean, GilDesign.Default),
        new("enable-without-stw", "Broken (MECHANISMS.md A12): the counter goes from 0 to 1 while other threads are attached; they go on without the GIL.",
            Expectation.Bug("does not hold the GIL"), GilDesign.Default with { TransientEnable = GilEnable.WithoutStopTheWorld }),
        new("attach-without-recheck", "Broken: _PyThreadState_Attach does not re-check; a thread whose take_gil returned early while the GIL was off attaches without it.",
            Expectation.Bug("does not hold the GIL"), GilDesign.Default with { AttachRechecksGil = false }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, GilDesign gil)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Gil = gil });
        var main = interp.MainThreadState;
        var workers = Enumerable.Range(0, 2).Select(i => PythonThread.Start(runtime, interp, $"worker{i}", t =>
        {
            for (var n = 0; n < 3; n++)
            {
                t.CheckPeriodic();
            }
        })).ToArray();
        interp.Ceval.EnableGilTransient(main); // import of an extension without Py_mod_gil
        main.CheckPeriodic(); // its init runs, holding the GIL
        PythonThread.JoinAll(interp, workers);
    }
}
