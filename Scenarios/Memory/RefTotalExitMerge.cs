using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// The reference total of a <c>Py_REF_DEBUG</c> free-threaded build (the seed "This keeps track of the per-thread total
/// reference count operations in PyThreadState in the free-threaded builds. The count is merged into the interpreter's
/// total when the thread exits"; <c>reftotal_add</c>, <c>_PyInterpreterState_GetRefTotal</c>, <c>Objects/object.c</c>;
/// <c>tstate_delete_common</c>, <c>Python/pystate.c</c>, 3.13). Two threads each create an object and take one more
/// reference to it, then exit, keeping both references alive; meanwhile the main thread reads the total (as
/// <c>sys.gettotalrefcount()</c> does). No reading may count more references than exist, and once both threads are gone
/// the total must be exactly the four references they left.
/// </summary>
[Scenario("reftotal-exit-merge")]
public sealed class RefTotalExitMerge : Scenario<RefTotalMerge>
{
    private const int Expected = 4;

    /// <inheritdoc/>
    public override string Summary => "Threads exit while another sums the reference totals: the sum never double-counts, and no total is lost.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "PR #117469 (gh-117439): per-thread reftotal in the free-threaded build",
        "Objects/object.c: reftotal_add, get_reftotal, _PyInterpreterState_GetRefTotal (3.13)",
        "Python/pystate.c: tstate_delete_common merges tstate_impl->reftotal under HEAD_LOCK (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<RefTotalMerge>> DefineVariants() =>
    [
        new("cpython-3.13", "The exiting thread merges its total under HEAD_LOCK, with the unlink.", Expectation.Clean, RefTotalMerge.UnderHeadLock),
        new("merge-without-head-lock", "Broken (MECHANISMS.md A8, reftotal-unlocked-merge): the merge runs before HEAD_LOCK.",
            Expectation.BugAnyOf("counted twice", "lost", "data race on interp->object_state.reftotal"), RefTotalMerge.BeforeHeadLock),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, RefTotalMerge merge)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with
        {
            Refcount = RefcountDesign.Cpython313 with { RefDebug = true, RefTotalMerge = merge },
        });
        var type = new PyTypeObject("object", PyTypeObject.HeaderSize);
        var workers = Enumerable.Range(0, 2).Select(i => PythonThread.Start(runtime, interp, $"worker{i}", _ =>
        {
            var o = interp.Objects.New(type, $"o{i}"); // a new reference: +1
            interp.Refcount.IncRef(o); // +1; both references outlive the thread
        })).ToArray();
        for (var i = 0; i < 2; i++)
        {
            var total = interp.RefTotal.GetRefTotal(); // sys.gettotalrefcount()
            runtime.Check(total <= Expected, $"the reference total read {total}, but only {Expected} references were ever taken: an exiting thread's total was counted twice");
        }

        PythonThread.JoinAll(interp, workers);
        var final = interp.RefTotal.GetRefTotal();
        runtime.Check(final == Expected, $"after both threads exited the reference total is {final}, not {Expected}: an exiting thread's total was lost");
    }
}
