using Sim.Model.CriticalSections;
using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.CriticalSections;

/// <summary>
/// Two-object critical sections (<c>Py_BEGIN_CRITICAL_SECTION2</c>, <c>_PyCriticalSection2_BeginMutex</c>,
/// <c>Include/internal/pycore_critical_section.h</c>, 3.13) on the seed's swap operations ("Mark the swap operations as
/// critical sections"): one thread swaps the bodies of a and b, another those of b and a, a third swaps a with itself.
/// Each swap holds both objects' critical sections; the two swaps of a and b must both happen, whole (so a and b end as
/// they began), and nobody may deadlock.
/// </summary>
/// <remarks>
/// Deviation: the seed does not name the swapped type (MECHANISMS.md A7 marks it inferred) and lists and dicts are modelled
/// elsewhere; a swapped object here is only what a swap needs: its <c>ob_mutex</c> and a body (one plain field).
/// </remarks>
[Scenario("cs2-swap-order")]
public sealed class TwoObjectLockOrder : Scenario<CriticalSectionDesign>
{
    /// <inheritdoc/>
    public override string Summary => "swap(a, b) races swap(b, a) and swap(a, a) under two-object critical sections: both swaps are whole and nothing deadlocks.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "seed: \"Mark the swap operations as critical sections\"",
        "Include/internal/pycore_critical_section.h: _PyCriticalSection2_BeginMutex, _PyCriticalSection2_End (3.13)",
        "Python/critical_section.c: _PyCriticalSection2_BeginSlow (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<CriticalSectionDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "The two mutexes are locked lower address first; the same mutex twice is a one-mutex section.",
            Expectation.Clean, CriticalSectionDesign.Cpython313),
        new("argument-order", "Broken (MECHANISMS.md A7, cs2-unordered): the mutexes are locked in argument order, so swap(a, b) and swap(b, a) take them in opposite orders.",
            Expectation.Bug("Deadlock"), CriticalSectionDesign.Cpython313 with { TwoMutexOrder = TwoMutexOrder.ArgumentOrder }),
        new("same-object-locked-twice", "Broken: Py_BEGIN_CRITICAL_SECTION2(a, a) locks a's mutex twice; a PyMutex is not recursive.",
            Expectation.Bug("Deadlock"), CriticalSectionDesign.Cpython313 with { SameMutexTwiceLocksOnce = false }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, CriticalSectionDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { CriticalSections = design });
        var a = new Swappable(runtime, "a");
        var b = new Swappable(runtime, "b");
        var t1 = PythonThread.Start(runtime, interp, "swap(a,b)", t => Swappable.SwapBodies(t, a, b));
        var t2 = PythonThread.Start(runtime, interp, "swap(b,a)", t => Swappable.SwapBodies(t, b, a));
        var t3 = PythonThread.Start(runtime, interp, "swap(a,a)", t => Swappable.SwapBodies(t, a, a));
        PythonThread.JoinAll(interp, t1, t2, t3);

        runtime.Check(a.Body.Peek() == "a" && b.Body.Peek() == "b", $"two swaps of a and b left a={a.Body.Peek()}, b={b.Body.Peek()}: a swap was not atomic");
    }

    /// <summary>An object with a body that <see cref="SwapBodies"/> exchanges.</summary>
    private sealed class Swappable(SimRuntime runtime, string name)
    {
        public PyMutex ObMutex { get; } = new(runtime, $"{name}.ob_mutex");

        public PlainCell<string> Body { get; } = new(runtime, $"{name}.body", name);

        /// <summary>The swap, marked as a critical section on both objects.</summary>
        public static void SwapBodies(PyThreadState tstate, Swappable x, Swappable y)
        {
            using (CriticalSection.Begin2Mutex(tstate, x.ObMutex, y.ObMutex))
            {
                var tmp = x.Body.Read();
                x.Body.Write(y.Body.Read());
                y.Body.Write(tmp);
            }
        }
    }
}
