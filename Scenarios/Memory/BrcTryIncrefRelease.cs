using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Threads;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Memory;

/// <summary>
/// A lock-free reader try-increfs an object its owner is releasing (PEP 703 "Mimalloc Page Reuse" and the conditional
/// increments brought over from nogil, seed "Bring in a subset of biased reference counting"; <c>PyList_GetItemRef</c>,
/// PR #116353). The owner puts an object in a list and later replaces it, dropping the object's last reference; another
/// thread reads the item twice with <c>PyList_GetItemRef</c> (its first read takes the lock, marks the list shared and sets
/// MAYBE_WEAKREF on the item; later reads are lock-free). The reader's conditional increment and the owner's zero-count
/// merge must be linearisable: either the reader's increment lands first and keeps the object alive, or the reader sees
/// it dead and fails. The object is freed exactly once and never revived or written after.
/// </summary>
[Scenario("brc-try-incref-release")]
public sealed class BrcTryIncrefRelease : Scenario<TryIncrefReleaseDesign>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A lock-free reader's _Py_TryIncrefCompare races the owner's last decref: the object is kept alive or seen dead, never revived or freed under the reader.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Include/internal/pycore_object.h: _Py_TryIncrefFast, _Py_TryIncRefShared, _Py_TryIncrefCompare, _Py_TryXGetRef, _Py_NewRefWithLock (3.13)",
        "Objects/object.c: _Py_MergeZeroLocalRefcount, _Py_DecRefShared (3.13)",
        "Objects/listobject.c: list_get_item_ref, list_item_impl (3.13; PR #116353)",
        "MECHANISMS A3: borrowed-read; A10: getitem-borrowed (seed: PyList_GetItemRef)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<TryIncrefReleaseDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "PyList_GetItemRef and biased reference counting as in CPython 3.13.0.", Expectation.Clean,
            new(RefcountDesign.Cpython313, BorrowedRead: false)),
        new("borrowed-read",
            "The reader uses PyList_GetItem's borrowed reference and then a plain Py_INCREF, as code did before PyList_GetItemRef; the owner may free the item in between, and the increment writes into freed memory.",
            Expectation.Bug("use after free"), new(RefcountDesign.Cpython313, BorrowedRead: true)),
        new("try-incref-ignores-merged",
            "Broken: _Py_TryIncRefShared refuses only a shared field of 0, not MERGED with a count of zero, so a reader revives an object its owner has merged dead and is freeing.",
            Expectation.Bug("dead object revived"), new(RefcountDesign.Cpython313 with { TryIncRefShared = TryIncrefRule.RefuseZeroOnly }, BorrowedRead: false)),
        new("zero-merge-skips-cas",
            "Broken: when its local count reaches zero the owner frees the object if the shared count is zero, ignoring MAYBE_WEAKREF and skipping the CAS that orders it with a reader's conditional increment; the reader's increment lands on a freed object, or just before the free.",
            Expectation.BugAnyOf("use after free", "premature free"), new(RefcountDesign.Cpython313 with { ZeroLocalMerge = ZeroLocalMerge.DeallocWhenSharedCountIsZero }, BorrowedRead: false)),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, TryIncrefReleaseDesign design)
    {
        ArgumentNullException.ThrowIfNull(design);
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Refcount = design.Refcount });
        var refs = interp.Refcount;
        var lists = new PyListObject(interp);
        var intType = new PyTypeObject("int", PyTypeObject.HeaderSize);
        SimThread? reader = null;

        var owner = PythonThread.Start(runtime, interp, "owner", tstate =>
        {
            var list = lists.New("L", interp.Objects.New(intType, "item1"));
            refs.IncRef(list); // the reader's reference
            reader = PythonThread.Start(runtime, interp, "reader", t =>
            {
                for (var k = 0; k < 2; k++)
                {
                    var item = design.BorrowedRead ? BorrowedThenIncref(interp, lists, list) : lists.GetItemRef(list, 0);
                    if (item is not null)
                    {
                        interp.Objects.Header(item).LoadGcBits(); // uses the item
                        refs.DecRef(item);
                    }

                    t.CheckPeriodic();
                }

                refs.DecRef(list);
            });
            tstate.CheckPeriodic();
            lists.SetItem(list, 0, interp.Objects.New(intType, "item2")); // drops item1's last reference
            tstate.CheckPeriodic();
            refs.DecRef(list);
        });

        PythonThread.WhileDetached(interp, () =>
        {
            owner.Join();
            reader!.Join();
        });
        interp.CheckNoLeaks();
    }

    /// <summary>
    /// <c>PyList_GetItem</c> then <c>Py_INCREF</c>: the borrowed pointer is held, unprotected, until the increment.
    /// </summary>
    private static PyObjectPtr? BorrowedThenIncref(PyInterpreterState interp, PyListObject lists, PyObjectPtr list)
    {
        var item = lists.GetItemBorrowed(list, 0);
        if (item is null)
        {
            return null;
        }

        using (interp.Mimalloc.Checker.Hold(item, "a borrowed reference from PyList_GetItem"))
        {
            interp.Refcount.IncRef(item);
        }

        return item;
    }
}

/// <summary>The design of <see cref="BrcTryIncrefRelease"/>: the refcount design, and how the reader reads.</summary>
/// <param name="Refcount">Biased reference counting.</param>
/// <param name="BorrowedRead">True: <c>PyList_GetItem</c> and <c>Py_INCREF</c>; false: <c>PyList_GetItemRef</c>.</param>
public sealed record TryIncrefReleaseDesign(RefcountDesign Refcount, bool BorrowedRead);
