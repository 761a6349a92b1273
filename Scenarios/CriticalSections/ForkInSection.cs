using Sim.Model.CriticalSections;
using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.CriticalSections;

/// <summary>
/// A fork while another thread runs Python code inside an object's critical section (<c>PyOS_BeforeFork</c>'s
/// <c>_PyEval_StopTheWorldAll</c>, <c>Modules/posixmodule.c</c>; <c>_PyThreadState_Suspend</c> and <c>detach_thread</c>,
/// which calls <c>_PyCriticalSection_SuspendAll</c>, <c>Python/pystate.c</c>, 3.13). A thread sorts a list with a key
/// function: <c>list.sort</c> holds the list's critical section while the key function, Python code, passes the eval
/// breaker's checks, where the fork's stop-the-world request suspends the thread. The fork child, where that thread no
/// longer exists, then appends to the list. The child can lock the list only if the suspended thread gave up its section.
/// </summary>
[Scenario("cs-fork-in-section")]
public sealed class ForkInSection : Scenario<CriticalSectionDesign>
{
    /// <inheritdoc/>
    public override string Summary => "A fork stops a thread inside an object's critical section: the child can still lock the object.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Python/pystate.c: _PyThreadState_Suspend, detach_thread (_PyCriticalSection_SuspendAll), _PyThreadState_Attach (_PyCriticalSection_Resume) (read in a 3.14-era copy; version-uncertain for 3.13)",
        "Modules/posixmodule.c (3.13): PyOS_BeforeFork (_PyEval_StopTheWorldAll), PyOS_AfterFork_Child",
        "Objects/listobject.c (3.13): list.sort holds the list's critical section (Argument Clinic @critical_section) while it calls the key function",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<CriticalSectionDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "The thread suspended for the fork's stop-the-world suspends its sections first: the list's mutex is free in the child.",
            Expectation.Clean, CriticalSectionDesign.Cpython313),
        new("held-while-suspended", "Broken: sections keep their mutexes while their thread is detached or suspended; the child inherits the list's mutex locked by a thread that does not exist in it.",
            Expectation.Bug("Deadlock"), CriticalSectionDesign.Cpython313 with { Suspension = SectionSuspension.HeldWhileBlocked }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, CriticalSectionDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { CriticalSections = design });
        var threading = ThreadingModule.Import(interp);
        var list = interp.Objects.New(new PyTypeObject("list", PyTypeObject.HeaderSize), "list");
        var size = new PlainCell<int>(runtime, "list.ob_size");

        threading.NewThread("sorter", () =>
        {
            var t = interp.CurrentThreadState;

            // Py_BEGIN_CRITICAL_SECTION ... Py_END_CRITICAL_SECTION. The thread vanishes in the fork inside the section;
            // the Runtime stops every operation of its unwinding, so ending the section then unlocks nothing in the child.
            using (CriticalSection.Begin(t, list))
            {
                for (var i = 0; i < 2; i++)
                {
                    t.CheckPeriodic(); // the key function: Python code, where a stop-the-world request suspends the thread
                }
            }
        }, daemon: true).Start();

        threading.ForkAndContinueAsChild();

        // The child: list.append(x).
        using (CriticalSection.Begin(interp.CurrentThreadState, list))
        {
            size.Write(size.Read() + 1);
        }
    }
}
