using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects;

/// <summary>
/// The free-threaded list of <c>Objects/listobject.c</c> (3.13, PR #116353), reduced to what the memory scenarios need.
/// The list object (GC heap) holds <c>ob_size</c> and <c>ob_item</c>, a pointer to an item array (<c>_PyListArray</c>, raw
/// memory from the MEM heap) that starts with its capacity. Writers hold the list's critical section; a reader that owns
/// the list, or reads a list already marked shared, reads without it: it loads <c>ob_item</c>, checks the index against the
/// size and the capacity, and takes the item with <c>_Py_TryXGetRef</c>, falling back to the locked path. The first
/// locked read by another thread, or a resize by another thread, marks the list shared, after which a resize frees the
/// old array through QSBR.
/// </summary>
/// <remarks>
/// Deviations: the critical section is the list's <c>ob_mutex</c> taken with <c>PyMutex_Lock</c>, not a
/// <c>CriticalSection</c> (whose stack and suspension on detach these scenarios do not exercise, and whose slow path
/// would change their schedules); no slicing, no error paths beyond an index out of range.
/// </remarks>
public sealed class PyListObject
{
    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;

    /// <summary>Creates the list type for an interpreter.</summary>
    public PyListObject(PyInterpreterState interp)
    {
        ArgumentNullException.ThrowIfNull(interp);
        _interp = interp;
        _rt = interp.Runtime;
        Type = new PyTypeObject("list", basicSize: 56, isGc: true, dealloc: Dealloc);
    }

    /// <summary>The list type.</summary>
    public PyTypeObject Type { get; }

    private MiHeapChecker Checker => _interp.Mimalloc.Checker;

    /// <summary>
    /// <c>PyList_New(n)</c> filled with <paramref name="items"/>, whose references the list steals: an item array of exactly
    /// that capacity.
    /// </summary>
    public PyObjectPtr New(string label, params PyObjectPtr[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var _ = _rt.Enter($"PyList_New({label})");
        var list = _interp.Objects.New(Type, label);
        var array = AllocateArray($"{label}.ob_item", items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            _interp.Mem.StoreItem(array, i, items[i]);
        }

        StoreObItem(list, array, MemoryOrder.Relaxed);
        StoreSize(list, items.Length);
        return list;
    }

    /// <summary>
    /// <c>PyList_GetItemRef</c> (<c>list_get_item_ref</c>): a strong reference to item <paramref name="i"/>, or null if out of
    /// range. Lock-free if the caller owns the list or the list is shared; otherwise, or if the conditional increment fails,
    /// under the list's lock. <paramref name="beforeItemLoad"/> runs between loading <c>ob_item</c> and loading the item: a
    /// hook for readers that misbehave there.
    /// </summary>
    public PyObjectPtr? GetItemRef(PyObjectPtr list, int i, Action? beforeItemLoad = null)
    {
        ArgumentNullException.ThrowIfNull(list);
        using var _ = _rt.Enter($"PyList_GetItemRef({list}, {i})");
        var h = _interp.Objects.Header(list);
        if (!h.IsOwnedByCurrentThread() && (h.LoadGcBits() & PyGcBits.Shared) == 0)
        {
            return ItemLocked(list, i);
        }

        if (i >= LoadSize(list))
        {
            return null;
        }

        PyObjectPtr? item;
        var array = LoadObItem(list, MemoryOrder.SeqCst);
        using (Checker.Hold(array, $"a lock-free read of {list}.ob_item"))
        {
            if (i >= _interp.Mem.LoadSize(array))
            {
                return null;
            }

            beforeItemLoad?.Invoke();
            item = _interp.Refcount.TryXGetRef(new PySlot(array, i, Checker));
        }

        return item ?? ItemLocked(list, i);
    }

    /// <summary>
    /// <c>PyList_GetItem</c>: a borrowed reference, loaded without the lock. The caller must not use it once another thread
    /// may have dropped the item; the scenario that calls it holds it (<see cref="MiHeapChecker.Hold"/>) until it has a
    /// reference of its own, which is the broken part.
    /// </summary>
    public PyObjectPtr? GetItemBorrowed(PyObjectPtr list, int i)
    {
        ArgumentNullException.ThrowIfNull(list);
        using var _ = _rt.Enter($"PyList_GetItem({list}, {i})");
        if (i >= LoadSize(list))
        {
            return null;
        }

        var array = LoadObItem(list, MemoryOrder.SeqCst);
        using (Checker.Hold(array, $"a borrowed read of {list}.ob_item"))
        {
            return new PySlot(array, i, Checker).Load(MemoryOrder.Relaxed);
        }
    }

    /// <summary>
    /// <c>PyList_SetItem</c>: under the lock, replaces item <paramref name="i"/> with <paramref name="item"/> (stealing the
    /// reference) by a release store, and drops the old item.
    /// </summary>
    public void SetItem(PyObjectPtr list, int i, PyObjectPtr item)
    {
        ArgumentNullException.ThrowIfNull(list);
        using var _ = _rt.Enter($"PyList_SetItem({list}, {i}, {item})");
        list.Block.ObMutex.Lock();
        var array = LoadObItem(list, MemoryOrder.Relaxed);
        var slot = new PySlot(array, i, Checker);
        var old = slot.Load(MemoryOrder.Relaxed);
        slot.Store(item, MemoryOrder.Release);
        _interp.Refcount.XDecRef(old);
        list.Block.ObMutex.Unlock();
    }

    /// <summary>
    /// <c>_PyList_AppendTakeRef</c>: under the lock, appends <paramref name="item"/> (stealing the reference), growing the
    /// array with <c>list_resize</c> when it is full.
    /// </summary>
    public void Append(PyObjectPtr list, PyObjectPtr item)
    {
        ArgumentNullException.ThrowIfNull(list);
        using var _ = _rt.Enter($"_PyList_AppendTakeRef({list}, {item})");
        list.Block.ObMutex.Lock();
        var n = (int)LoadSize(list);
        var array = LoadObItem(list, MemoryOrder.Relaxed);
        if (n >= _interp.Mem.LoadSize(array))
        {
            array = Resize(list, array, n + 1);
        }

        _interp.Mem.StoreItem(array, n, item, MemoryOrder.Release);
        StoreSize(list, n + 1);
        list.Block.ObMutex.Unlock();
    }

    /// <summary>
    /// <c>list_item_impl</c>: under the lock, marks the list shared (the first read by another thread), then takes the item
    /// with <c>_Py_NewRefWithLock</c>, which lets later lock-free readers try-incref it.
    /// </summary>
    private PyObjectPtr? ItemLocked(PyObjectPtr list, int i)
    {
        using var _ = _rt.Enter($"list_item_impl({list}, {i})");
        list.Block.ObMutex.Lock();
        var h = _interp.Objects.Header(list);
        var bits = h.LoadGcBits();
        if ((bits & PyGcBits.Shared) == 0)
        {
            h.StoreGcBits(bits | PyGcBits.Shared);
        }

        PyObjectPtr? item = null;
        if (i < LoadSize(list))
        {
            var array = LoadObItem(list, MemoryOrder.Relaxed);
            item = new PySlot(array, i, Checker).Load(MemoryOrder.Relaxed);
            if (item is not null)
            {
                item = _interp.Refcount.NewRefWithLock(item);
            }
        }

        list.Block.ObMutex.Unlock();
        return item;
    }

    /// <summary>
    /// <c>list_resize</c> (free-threaded): marks the list shared if the caller does not own it, then a new array with
    /// CPython's growth pattern, the items copied and the rest zeroed, the new array published with a release store; the
    /// old one freed with <c>_PyMem_FreeDelayed</c> if the list is shared (<c>free_list_items</c>), else with
    /// <c>PyMem_Free</c>.
    /// </summary>
    private MemPtr Resize(PyObjectPtr list, MemPtr oldArray, int newSize)
    {
        using var _ = _rt.Enter($"list_resize({list}, {newSize})");
        EnsureSharedOnResize(list);
        var allocated = (int)_interp.Mem.LoadSize(oldArray);
        var newAllocated = (newSize + (newSize >> 3) + 6) & ~3;
        var array = AllocateArray($"{list.Name}.ob_item (capacity {newAllocated})", newAllocated);
        var copied = Math.Min(allocated, newAllocated);
        for (var k = 0; k < copied; k++)
        {
            _interp.Mem.StoreItem(array, k, _interp.Mem.LoadItem(oldArray, k));
        }

        for (var k = copied; k < newAllocated; k++)
        {
            _interp.Mem.StoreItem(array, k, null);
        }

        StoreObItem(list, array, MemoryOrder.Release);
        var shared = (_interp.Objects.Header(list).LoadGcBits() & PyGcBits.Shared) != 0;
        if (shared)
        {
            _interp.DelayedFree.FreeDelayed(oldArray);
        }
        else
        {
            _interp.Mem.Free(oldArray);
        }

        return array;
    }

    /// <summary>
    /// <c>ensure_shared_on_resize</c>: a non-owner that resizes the list marks it shared, so that the old array is freed
    /// through QSBR even if only the owner reads it lock-free.
    /// </summary>
    private void EnsureSharedOnResize(PyObjectPtr list)
    {
        var h = _interp.Objects.Header(list);
        if (!h.IsOwnedByCurrentThread())
        {
            var bits = h.LoadGcBits();
            if ((bits & PyGcBits.Shared) == 0)
            {
                h.StoreGcBits(bits | PyGcBits.Shared);
            }
        }
    }

    /// <summary><c>list_dealloc</c>: drops every item, frees the array (no reader can hold it any more), then the list.</summary>
    private void Dealloc(PyObjectPtr list)
    {
        var array = LoadObItem(list, MemoryOrder.Relaxed);
        for (var i = (int)LoadSize(list) - 1; i >= 0; i--)
        {
            _interp.Refcount.XDecRef(new PySlot(array, i, Checker).Load(MemoryOrder.Relaxed));
        }

        _interp.Mem.Free(array);
    }

    /// <summary><c>list_allocate_array</c>: an item array with room for <paramref name="capacity"/> items (not zeroed).</summary>
    private MemPtr AllocateArray(string label, int capacity)
    {
        var array = _interp.Mem.Malloc(8 + (8 * capacity), label);
        _interp.Mem.StoreSize(array, capacity);
        return array;
    }

    private long LoadSize(PyObjectPtr list)
    {
        var v = list.Block.Size.Load(MemoryOrder.Relaxed);
        Checker.CheckRead(list, "ob_size");
        return v;
    }

    private void StoreSize(PyObjectPtr list, long value)
    {
        list.Block.Size.Store(value, MemoryOrder.Relaxed);
        Checker.CheckWrite(list, "ob_size");
    }

    private MemPtr LoadObItem(PyObjectPtr list, MemoryOrder order)
    {
        var v = list.Block.Items[0].Load(order);
        Checker.CheckRead(list, "ob_item");
        return (MemPtr)v!;
    }

    private void StoreObItem(PyObjectPtr list, MemPtr array, MemoryOrder order)
    {
        list.Block.Items[0].Store(array, order);
        Checker.CheckWrite(list, "ob_item");
    }
}
