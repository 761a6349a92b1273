using Sim.Model.Ceval;
using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Gil;

/// <summary>
/// The GIL's switch (<c>take_gil</c>, <c>drop_gil</c>, <c>FORCE_SWITCHING</c>; <c>Python/ceval_gil.c</c>, 3.13) with
/// <c>PYTHON_GIL=1</c>. Two threads run loops of Python code. A thread waiting for the GIL waits a switch interval on
/// <c>gil-&gt;cond</c>, then sets <c>_PY_GIL_DROP_REQUEST_BIT</c> in the holder's eval breaker; the holder drops the GIL at
/// its next periodic check and waits on <c>switch_cond</c> until the waiter has taken it. At every periodic check the
/// running thread must hold the GIL, and both threads must finish.
/// </summary>
/// <remarks>The switch interval is a timed wait on the virtual clock; a timeout may also fire early, as a controlled choice.</remarks>
[Scenario("gil-force-switching")]
public sealed class ForceSwitching : Scenario<GilDesign>
{
    /// <inheritdoc/>
    public override string Summary => "Two threads share the GIL through drop requests and forced switches: one runs at a time, and both finish.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Python/ceval_gil.c: take_gil, drop_gil, drop_gil_impl, FORCE_SWITCHING, _Py_HandlePending's _PY_GIL_DROP_REQUEST_BIT (3.13)",
        "Python/condvar.h: COND_WAIT, COND_TIMED_WAIT, COND_SIGNAL",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<GilDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "PYTHON_GIL=1; switch_cond's wait releases switch_mutex and starts waiting atomically.", Expectation.Clean, GilDesign.Enabled),
        new("switch-wait-not-atomic", "Broken: the wait on switch_cond unlocks switch_mutex, then starts waiting; the taker's signal in between is lost (the hazard drop_gil's comment names), and the dropping thread waits forever.",
            Expectation.Bug("Deadlock"), GilDesign.Enabled with { SwitchCondWait = CondWait.UnlockThenWait }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, GilDesign gil)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Gil = gil });
        var workers = Enumerable.Range(0, 2).Select(i => PythonThread.Start(runtime, interp, $"loop{i}", t =>
        {
            for (var n = 0; n < 4; n++)
            {
                t.CheckPeriodic(); // a backward jump: the eval breaker is checked, the GIL may be dropped
            }
        })).ToArray();
        PythonThread.JoinAll(interp, workers);
    }
}
