using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Model.Qsbr;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// Delayed reuse of mimalloc pages that held objects (gh-115103, PR #115435, seed "This implements the delayed reuse of
/// mimalloc pages that contain Python objects"; PEP 703 "Mimalloc Page Reuse"). The main thread, which owns a list, reads its item with
/// <c>PyList_GetItemRef</c> (lock-free, the owner's path) while a writer replaces the item and frees it. The item was the only block of its page, so the
/// page empties; the writer then allocates objects of another size class. Without the delay the empty page is freed at
/// once and its memory can hold blocks of another size class while the reader still holds a pointer to the item; with
/// it, the page waits for a QSBR goal that the reader passes only after it is done, and a stale pointer only ever reads a
/// dead header of the same size class (or a new object's, which <c>_Py_TryIncrefCompare</c>'s re-check rejects).
/// </summary>
/// <remarks>
/// Deviation: the reader's "use" of the item is a read of its header. Two fixed variants: CPython's constants, under which
/// the goals of this short program are never reached (pages wait), and <see cref="QsbrDesign.EagerReclaim"/>, under which
/// they are reached as soon as every thread has passed a quiescent state, so that the page is freed, safely, within the
/// scenario.
/// </remarks>
[Scenario("list-item-lock-free-read")]
public sealed class ListItemLockFreeRead : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A lock-free list read races a writer that replaces and frees the item: the item's empty page is not reused for another size class while the reader holds it.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-115103 (PR #115435): delay reuse of mimalloc pages that store PyObjects",
        "Objects/obmalloc.c: _PyMem_mi_page_maybe_free, _PyMem_mi_page_clear_qsbr, _PyMem_mi_heap_collect_qsbr (3.13)",
        "Objects/mimalloc/page.c: _mi_page_retire, mi_page_queue_find_free_ex (CPython's hooks)",
        "seed: 'This avoids filling the memory occupied by ob_tid, ob_ref_local, and ob_ref_shared with debug bytes'",
        "Objects/listobject.c: list_get_item_ref (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        .. QsbrVariants.Cpython313("Delayed page reuse as in CPython 3.13.0, with its QSBR constants.", "empty pages are freed"),
        new("page-free-now",
            "Before PR #115435: an empty page is freed at once, so its memory may hold another size class or heap while the reader still holds a pointer into it.",
            Expectation.Bug("reuse under a reader"), ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { PageReuse = PageReuse.Immediate } }),
        new("debug-poison-header",
            "Debug builds before the seed change: a free fills the whole header with 0xDD, so the reader's _Py_TryIncRefShared sees a live-looking count and writes into the freed object.",
            Expectation.Bug("use after free"), ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { FreedHeader = FreedHeader.PoisonWithDebugBytes } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var refs = interp.Refcount;
        var lists = new PyListObject(interp);
        var intType = new PyTypeObject("int", 32);
        var floatType = new PyTypeObject("float", 48);
        var bytesType = new PyTypeObject("bytes", 64);
        var list = lists.New("L", interp.Objects.New(intType, "item0"));

        var writer = PythonThread.Start(runtime, interp, "writer", tstate =>
        {
            lists.SetItem(list, 0, interp.Objects.New(intType, "item1"));
            tstate.CheckPeriodic();
            lists.SetItem(list, 0, interp.Objects.New(floatType, "item2")); // frees item1, the only block of its page
            tstate.CheckPeriodic();
            var other = interp.Objects.New(bytesType, "bytes1"); // another size class: a fresh page
            refs.DecRef(other);
        });

        // The main thread owns L, so its reads are lock-free (list_get_item_ref's owner path).
        ReadItems(interp, lists, list, interp.MainThreadState, Reads);
        PythonThread.JoinAll(interp, writer);
        refs.DecRef(list);
        interp.CheckNoLeaks();
    }

    /// <summary>How many times the reader reads the item.</summary>
    internal const int Reads = 6;

    /// <summary>Reads <c>L[0]</c> with <c>PyList_GetItemRef</c>, using and dropping each item, with a periodic check after each.</summary>
    internal static void ReadItems(PyInterpreterState interp, PyListObject lists, PyObjectPtr list, PyThreadState tstate, int reads)
    {
        for (var k = 0; k < reads; k++)
        {
            if (lists.GetItemRef(list, 0) is { } item)
            {
                interp.Objects.Header(item).LoadGcBits(); // uses the item
                interp.Refcount.DecRef(item);
            }

            tstate.CheckPeriodic();
        }
    }
}
