using Sim.Model.Ceval;
using Sim.Model.Collections;
using Sim.Model.CriticalSections;
using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.CriticalSections;

/// <summary>
/// Deque methods as critical sections (the seed "Use critical sections to make deque methods that operate on mutable state
/// thread-safe when the GIL is disabled", PR #113830 for gh-112050; <c>Modules/_collectionsmodule.c</c>, 3.13). Two threads
/// append and pop at both ends of one deque, passing the eval loop's periodic check between calls, as Python code does;
/// then every item appended must have been popped once or still be in the deque, and <c>ob_size</c> must agree with the
/// indices. The default build's deque, whose critical sections compile to nothing, is safe under the GIL and breaks
/// without it.
/// </summary>
/// <remarks>Deviations: those of <see cref="DequeObject"/>.</remarks>
[Scenario("deque-concurrent-mutation")]
public sealed class DequeConcurrentMutation : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary => "Two threads append and pop at both ends of a deque: no item is lost or popped twice, and ob_size matches the indices.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "PR #113830 (gh-112050): use critical sections to make deque methods thread-safe",
        "Modules/_collectionsmodule.c: deque_append, deque_append_lock_held, deque_appendleft, deque_pop_impl, deque_popleft_impl, deque_len (3.13)",
        "Include/cpython/critical_section.h: Py_BEGIN_CRITICAL_SECTION is a no-op without Py_GIL_DISABLED",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("cpython-3.13", "Free-threaded 3.13: each mutating method holds the deque's critical section; the GIL is off.",
            Expectation.Clean, ModelConfig.Cpython313),
        new("default-build-with-gil", "The default build's deque (critical sections are empty blocks) under PYTHON_GIL=1: the GIL is the lock.",
            Expectation.Clean, ModelConfig.Cpython313 with { CriticalSections = CriticalSectionDesign.DefaultBuild, Gil = GilDesign.Enabled }),
        new("no-critical-sections", "The default build's deque with the GIL disabled, the code before the seed: two methods interleave their plain read-modify-writes.",
            Expectation.BugAnyOf("is corrupt", "was lost", "popped twice", "data race on d."), ModelConfig.Cpython313 with { CriticalSections = CriticalSectionDesign.DefaultBuild }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig config)
    {
        var interp = new PyInterpreterState(runtime, config);
        var deque = new DequeObject(runtime, "d");
        int? poppedByLeft = null, poppedByRight = null;
        var left = PythonThread.Start(runtime, interp, "left", t =>
        {
            deque.AppendLeft(t, 1);
            t.CheckPeriodic();
            deque.AppendLeft(t, 2);
            t.CheckPeriodic();
            poppedByLeft = deque.Pop(t);
        });
        var right = PythonThread.Start(runtime, interp, "right", t =>
        {
            deque.Append(t, 3);
            t.CheckPeriodic();
            poppedByRight = deque.PopLeft(t);
        });
        PythonThread.JoinAll(interp, left, right);

        deque.CheckConsistent();
        int[] popped = [.. new[] { poppedByLeft, poppedByRight }.OfType<int>()];
        var all = popped.Concat(deque.ItemsForCheck).Order().ToList();
        runtime.Check(all.Distinct().Count() == all.Count, $"an item was popped twice or duplicated: popped [{string.Join(", ", popped)}], left in d [{string.Join(", ", deque.ItemsForCheck)}]");
        runtime.Check(all.SequenceEqual([1, 2, 3]), $"an item was lost: popped [{string.Join(", ", popped)}], left in d [{string.Join(", ", deque.ItemsForCheck)}], appended [1, 2, 3]");
    }
}
