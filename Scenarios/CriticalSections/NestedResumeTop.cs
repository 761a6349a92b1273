using Sim.Model.CriticalSections;
using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.CriticalSections;

/// <summary>
/// Nested critical sections in opposite orders around a wait (<c>_PyCriticalSection_Resume</c>, <c>_PyCriticalSection_Pop</c>,
/// <c>Python/critical_section.c</c> and <c>Include/internal/pycore_critical_section.h</c>, 3.13): one thread enters a then
/// b, the other b then a, and each waits for an event in its inner section. When the event is set both re-attach at once.
/// Re-attaching must re-lock only the top section, the outer one being re-locked when the inner one ends; "nested sections
/// cannot deadlock".
/// </summary>
[Scenario("cs-nested-resume-top")]
public sealed class NestedResumeTop : Scenario<CriticalSectionDesign>
{
    /// <inheritdoc/>
    public override string Summary => "Nested sections a{b{wait}} and b{a{wait}} wake together: only the top section is resumed, and nothing deadlocks.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Python/critical_section.c: _PyCriticalSection_SuspendAll, _PyCriticalSection_Resume (3.13)",
        "Include/internal/pycore_critical_section.h: _PyCriticalSection_Pop resumes the new top if it is inactive (3.13)",
        "Include/cpython/critical_section.h: the design comment (nested operations suspend outer locks only when they would block)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<CriticalSectionDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "Attach resumes only the top section; an outer one is resumed when the section above it ends.",
            Expectation.Clean, CriticalSectionDesign.Cpython313),
        new("resume-all-on-attach", "Broken: attach re-locks every suspended section, outermost first, so the two threads take a and b in opposite orders.",
            Expectation.Bug("Deadlock"), CriticalSectionDesign.Cpython313 with { Suspension = SectionSuspension.SuspendAllResumeAll }),
        new("held-while-blocked", "Broken: plain nested locks that are kept while the thread blocks: an AB/BA deadlock.",
            Expectation.Bug("Deadlock"), CriticalSectionDesign.Cpython313 with { Suspension = SectionSuspension.HeldWhileBlocked }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, CriticalSectionDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { CriticalSections = design });
        var a = new PyMutex(runtime, "a.ob_mutex");
        var b = new PyMutex(runtime, "b.ob_mutex");
        var ready = new PyEvent(runtime, "ready");

        void Nested(PyThreadState t, PyMutex outer, PyMutex inner)
        {
            using (CriticalSection.BeginMutex(t, outer))
            {
                using (CriticalSection.BeginMutex(t, inner))
                {
                    ready.Wait(); // detaches: suspends both sections
                    CriticalSection.AssertHeld(t, inner, "the inner operation");
                }

                CriticalSection.AssertHeld(t, outer, "the outer operation");
            }
        }

        var ab = PythonThread.Start(runtime, interp, "a{b}", t => Nested(t, a, b));
        var ba = PythonThread.Start(runtime, interp, "b{a}", t => Nested(t, b, a));
        for (var i = 0; i < 6; i++)
        {
            interp.MainThreadState.CheckPeriodic(); // the main thread runs some Python code, then sets the event
        }

        ready.Notify();
        PythonThread.JoinAll(interp, ab, ba);
    }
}
