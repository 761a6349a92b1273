using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Qsbr;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// <c>_PyMem_FreeDelayed</c> for a shared list's item array (gh-115103, seed "This adds <c>_PyMem_FreeDelayed()</c>"; PR
/// #116353). The main thread, which owns a list, reads its item lock-free, holding a pointer to the list's item array
/// between loading <c>ob_item</c> and taking the item; a writer appends, which replaces the array (marking the list shared,
/// <c>ensure_shared_on_resize</c>), and must not free the old one until the reader has passed a quiescent state. Raw memory in the MEM heap is not protected by page delays, so freeing it at once
/// hands it back to any same-size allocation while the reader still reads it.
/// </summary>
/// <remarks>
/// The fixed variants free the old array through the delayed-free queue. Under CPython's constants the queue is processed
/// only when a chunk of 254 fills (or at a GC), so in this short program the array simply waits; under
/// <see cref="QsbrDesign.EagerReclaim"/> the writer processes its queue at its periodic checks and the array is freed once
/// the reader has passed a quiescent state.
/// </remarks>
[Scenario("list-array-delayed-free")]
public sealed class ListArrayDelayedFree : Scenario<ListArrayDesign>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A writer resizes a shared list while a reader reads it lock-free: the old item array is freed only after the reader's quiescent state.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-115103 (PR #115180, #115367): QSBR and _PyMem_FreeDelayed",
        "Objects/obmalloc.c: free_delayed, process_queue, _PyMem_ProcessDelayed (3.13)",
        "Python/qsbr.c: _Py_qsbr_deferred_advance, _Py_qsbr_poll, _Py_qsbr_quiescent_state (3.13)",
        "Objects/listobject.c: list_resize, free_list_items, list_get_item_ref (3.13)",
        "MECHANISMS A4: free-immediately, early-quiescent",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ListArrayDesign>> DefineVariants() =>
    [
        .. QsbrVariants.Cpython313("QSBR and _PyMem_FreeDelayed as in CPython 3.13.0, with its constants.", "the old array is freed",
            config => new ListArrayDesign(config, ReaderQuiescesEarly: false)),
        new("free-immediately",
            "Before _PyMem_FreeDelayed: the writer frees the replaced array with PyMem_Free at once, while the reader still reads it.",
            Expectation.Bug("reuse under a reader"),
            new(ModelConfig.Cpython313 with { Qsbr = QsbrDesign.EagerReclaim with { DelayedFree = DelayedFreeProtocol.Immediately } }, ReaderQuiescesEarly: false)),
        new("early-quiescent",
            "Broken reader: it reports a quiescent state (a periodic check) after loading ob_item and before its last use of the array, so the writer's goal is reached and the array freed under it.",
            Expectation.Bug("reuse under a reader"), new(ModelConfig.Cpython313 with { Qsbr = QsbrDesign.EagerReclaim }, ReaderQuiescesEarly: true)),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ListArrayDesign design)
    {
        ArgumentNullException.ThrowIfNull(design);
        var interp = new PyInterpreterState(runtime, design.Config);
        var refs = interp.Refcount;
        var lists = new PyListObject(interp);
        var intType = new PyTypeObject("int", 32);
        var list = lists.New("L", interp.Objects.New(intType, "item0"));

        var writer = PythonThread.Start(runtime, interp, "writer", tstate =>
        {
            lists.Append(list, interp.Objects.New(intType, "item1")); // full: resize, the old array is freed
            tstate.CheckPeriodic();
            tstate.CheckPeriodic();
        });

        // The main thread owns L, so its reads are lock-free (list_get_item_ref's owner path); the writer's resize marks
        // L shared (ensure_shared_on_resize), so the old array goes through the delayed-free queue.
        var main = interp.MainThreadState;
        for (var k = 0; k < ListItemLockFreeRead.Reads; k++)
        {
            var item = design.ReaderQuiescesEarly ? lists.GetItemRef(list, 0, beforeItemLoad: main.CheckPeriodic) : lists.GetItemRef(list, 0);
            if (item is not null)
            {
                interp.Objects.Header(item).LoadGcBits(); // uses the item
                refs.DecRef(item);
            }

            main.CheckPeriodic();
        }

        PythonThread.JoinAll(interp, writer);
        refs.DecRef(list);
        interp.CheckNoLeaks();
    }
}

/// <summary>The design of <see cref="ListArrayDelayedFree"/>.</summary>
/// <param name="Config">The model's configuration.</param>
/// <param name="ReaderQuiescesEarly">True: the reader passes a periodic check in the middle of its lock-free read.</param>
public sealed record ListArrayDesign(ModelConfig Config, bool ReaderQuiescesEarly);
