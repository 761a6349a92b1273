using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Objects;

/// <summary>
/// The list's swaps under its critical section (the seed's "Mark the swap operations as critical sections";
/// <c>list_reverse_impl</c>, <c>@critical_section</c>, and <c>reverse_slice</c>, <c>Objects/listobject.c</c>, 3.13).
/// The main thread owns <c>L = [a, b]</c> and reads both items lock-free (<c>PyList_GetItemRef</c>, the owner's path);
/// two other threads reverse L, and the second then replaces <c>L[1]</c> with c, dropping the item it held. With the
/// swaps in the section, L always holds each item once, so the reader only ever takes a live item; without it, two
/// swaps of the pair interleave (both read <c>t = a</c> before either stores), L ends as <c>[a, a]</c> with a counted
/// once and b's reference lost, and the replacement frees a while it is still in <c>L[0]</c>.
/// </summary>
/// <remarks>
/// Deviations: the reader's "use" of an item is a read of its header; the swaps' plain C stores are relaxed atomic
/// stores in the model (each word stays whole, as it does on the hardware CPython targets).
/// <c>reverse_slice</c> and the clinic wrapper <c>list_reverse</c> (<c>Py_BEGIN_CRITICAL_SECTION(self)</c> around
/// <c>list_reverse_impl</c>, <c>Objects/clinic/listobject.c.h</c>) were read in free-threaded-era copies, not at the
/// v3.13.0 tag [version-uncertain].
/// </remarks>
[Scenario("list-reverse-lock-free-read")]
public sealed class ListReverseLockFreeRead : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "Two threads reverse a list (swaps under its critical section) while its owner reads it lock-free: every item stays in the list exactly once.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "seed: \"Mark the swap operations as critical sections\"",
        "Objects/listobject.c: list_reverse_impl (@critical_section), reverse_slice, list_get_item_ref, PyList_SetItem (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("cpython-3.13", "CPython 3.13: list.reverse swaps the items in the list's critical section.", Expectation.Clean, ModelConfig.Cpython313),
        new("reverse-without-critical-section",
            "Broken: list.reverse swaps without the list's critical section (the GIL build's code with no lock in its place), so two reversals interleave, one item ends in two slots and another is lost.",
            Expectation.BugAnyOf("use after free", "twice"),
            ModelConfig.Cpython313 with { List = ListDesign.Cpython313 with { ReverseInCriticalSection = false } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var lists = new PyListObject(interp);
        var intType = new PyTypeObject("int", 32);
        var list = lists.New("L", interp.Objects.New(intType, "a"), interp.Objects.New(intType, "b"));

        var first = PythonThread.Start(runtime, interp, "reverse1", tstate =>
        {
            lists.Reverse(list);
            tstate.CheckPeriodic();
        });
        var second = PythonThread.Start(runtime, interp, "reverse2", tstate =>
        {
            lists.Reverse(list);
            lists.SetItem(list, 1, interp.Objects.New(intType, "c")); // drops the item L[1] held
            tstate.CheckPeriodic();
        });

        for (var k = 0; k < Reads; k++)
        {
            foreach (var i in (int[])[0, 1])
            {
                if (lists.GetItemRef(list, i) is { } item)
                {
                    interp.Objects.Header(item).LoadGcBits(); // uses the item
                    interp.Refcount.DecRef(item);
                }
            }

            interp.MainThreadState.CheckPeriodic();
        }

        PythonThread.JoinAll(interp, first, second);
        var items = Enumerable.Range(0, 2).Select(i => lists.GetItemRef(list, i)).ToList();
        foreach (var item in items.OfType<PyObjectPtr>())
        {
            interp.Refcount.DecRef(item);
        }

        runtime.Check(items[0]?.Name != items[1]?.Name, $"after two reversals L holds {items[0]?.Name} twice: two swaps of one pair interleaved");
        interp.Refcount.DecRef(list);
        interp.CheckNoLeaks();
    }

    /// <summary>How many times the reader reads both items.</summary>
    private const int Reads = 3;
}
