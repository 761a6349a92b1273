using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;
using Sim.Scenarios.Memory;

namespace Sim.Scenarios.Objects;

/// <summary>
/// A list resized by a thread that does not own it (gh-127521, PR #127524, "Mark list as 'shared' before resizing if
/// necessary"). The main thread owns a list and reads its item lock-free (<c>list_get_item_ref</c>'s owner path, which
/// does not mark the list shared); a writer extends it with another list (<c>list.extend</c>, <c>list_resize</c> in both
/// lists' critical sections), which replaces the item array. In 3.13.0 the list is still not shared, so
/// <c>free_list_items</c> frees the old array at once with <c>PyMem_Free</c> while the owner may still read it; the fix
/// marks it shared first (<c>ensure_shared_on_resize</c>, the pattern of <c>dictobject.c</c>), so the array goes through
/// <c>_PyMem_FreeDelayed</c>.
/// </summary>
/// <remarks>
/// Deviation: the owner's "use" of the item is a read of its header. The fix's point release on the 3.13 branch is not
/// pinned [version-uncertain: 3.13.1 or 3.13.2]; the model's <see cref="ListDesign.Cpython313"/> has it.
/// </remarks>
[Scenario("list-resize-by-non-owner")]
public sealed class ListResizeByNonOwner : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A non-owner extends a list while its owner reads it lock-free: the old item array must not be freed under the owner (gh-127521).";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-127521 (PR #127524): mark list as shared before resizing if necessary; follow-up gh-127536 (locking asserts)",
        "Objects/listobject.c: list_resize, ensure_shared_on_resize, free_list_items, list_extend_fast, list_get_item_ref",
        "Objects/dictobject.c: ensure_shared_on_resize (the pattern the fix copies)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        .. QsbrVariants.Cpython313(
            "The 3.13 branch with gh-127521: a non-owner's resize marks the list shared, so the old array is freed through QSBR.",
            "the old array is freed"),
        new("cpython-3.13.0",
            "3.13.0, before gh-127521: the list no other thread has read is not shared, so the non-owner's resize frees the old array with PyMem_Free under the owner's lock-free read.",
            Expectation.Bug("reuse under a reader"), ModelConfig.Cpython313 with { List = ListDesign.Cpython3130 }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var lists = new PyListObject(interp);
        var intType = new PyTypeObject("int", 32);
        var list = lists.New("L", interp.Objects.New(intType, "item0"));
        var more = lists.New("M", interp.Objects.New(intType, "item1"));

        var writer = PythonThread.Start(runtime, interp, "writer", tstate =>
        {
            lists.Extend(list, more); // L is full: list_resize by a thread that does not own L
            tstate.CheckPeriodic();
            tstate.CheckPeriodic();
        });

        ListItemLockFreeRead.ReadItems(interp, lists, list, interp.MainThreadState, ListItemLockFreeRead.Reads);
        PythonThread.JoinAll(interp, writer);
        interp.Refcount.DecRef(list);
        interp.Refcount.DecRef(more);
        interp.CheckNoLeaks();
    }
}
