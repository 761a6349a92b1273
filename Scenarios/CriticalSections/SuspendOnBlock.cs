using Sim.Model.CriticalSections;
using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.CriticalSections;

/// <summary>
/// A critical section around a blocking call (<c>_PyCriticalSection_SuspendAll</c> in <c>_PyThreadState_Detach</c>,
/// <c>_PyCriticalSection_Resume</c> in <c>_PyThreadState_Attach</c>; <c>Python/critical_section.c</c>, 3.13). One thread,
/// inside the critical section of an object, acquires a <c>threading.Lock</c> (as a <c>__eq__</c> called from a dict
/// lookup might); another holds that lock while it operates on the same object. A section must not survive its thread's
/// block, or the two wait for each other.
/// </summary>
[Scenario("cs-suspend-on-block")]
public sealed class SuspendOnBlock : Scenario<CriticalSectionDesign>
{
    /// <inheritdoc/>
    public override string Summary => "A thread blocks on a lock inside an object's critical section while the lock's holder needs the object: no deadlock.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Python/critical_section.c: _PyCriticalSection_SuspendAll, _PyCriticalSection_Resume, _PyCriticalSection_BeginSlow (3.13)",
        "Python/pystate.c: _PyThreadState_Attach, detach_thread (3.13)",
        "Include/cpython/critical_section.h: the locks for any active operation are suspended around potentially blocking operations",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<CriticalSectionDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "Detaching suspends the section (its mutex is released); re-attaching resumes it.",
            Expectation.Clean, CriticalSectionDesign.Cpython313),
        new("held-while-blocked", "Broken: plain per-object locking, the section keeps its mutex while its thread blocks (what the header's comment says critical sections exist to prevent).",
            Expectation.Bug("Deadlock"), CriticalSectionDesign.Cpython313 with { Suspension = SectionSuspension.HeldWhileBlocked }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, CriticalSectionDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { CriticalSections = design });
        var x = interp.Objects.New(new PyTypeObject("object", PyTypeObject.HeaderSize), "x");
        var field = new PlainCell<int>(runtime, "x.field");
        var lockObj = new ThreadLock(runtime, "lock");
        var inSection = PythonThread.Start(runtime, interp, "in-section", t =>
        {
            using (CriticalSection.Begin(t, x))
            {
                field.Write(field.Read() + 1);
                lockObj.Acquire(); // may block: detaches, which suspends the section
                lockObj.Release();
                field.Write(field.Read() + 1);
            }
        });
        var holder = PythonThread.Start(runtime, interp, "lock-holder", t =>
        {
            lockObj.Acquire();
            using (CriticalSection.Begin(t, x))
            {
                field.Write(field.Read() + 10);
            }

            lockObj.Release();
        });
        PythonThread.JoinAll(interp, inSection, holder);
        runtime.Check(field.Peek() == 12, $"x.field is {field.Peek()}, expected 12: an update under x's critical section was lost");
    }
}
