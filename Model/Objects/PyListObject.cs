using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;
using CriticalSectionApi = Sim.Model.CriticalSections.CriticalSection;

namespace Sim.Model.Objects;

/// <summary>
/// The free-threaded list of <c>Objects/listobject.c</c> (3.13, PR #116353): the list type and the functions over list
/// objects. A list object (GC heap) holds <c>ob_size</c> (the block's size word) and <c>ob_item</c> (its first pointer
/// word), a pointer to an item array (<c>_PyListArray</c>, raw memory from the MEM heap) that starts with its capacity.
/// Writers hold the list's critical section (<c>Py_BEGIN_CRITICAL_SECTION</c>, the <c>@critical_section</c> methods); a
/// reader that owns the list, or reads a list already marked shared, reads without it: it loads <c>ob_size</c> and
/// <c>ob_item</c>, checks the index against the size and the capacity, and takes the item with <c>_Py_TryXGetRef</c>,
/// falling back to the locked path. The first locked read by another thread marks the list shared
/// (<c>list_item_impl</c>), and so does, since gh-127521, a resize by another thread (<see cref="ListDesign"/>); a resize
/// of a shared list frees the old array through QSBR (<c>free_list_items</c>).
/// </summary>
/// <remarks>
/// <para>
/// Read from a 3.14-era copy of <c>listobject.c</c> and the gh-127521 change (PR #127524); the free-threaded branches of
/// <c>list_resize</c>, <c>list_get_item_ref</c>, <c>_PyList_AppendTakeRef</c> and <c>list_extend_fast</c> are the
/// 3.13 ones as far as the PRs show [version-uncertain for the 3.13 point releases].
/// </para>
/// <para>
/// Deviations: <c>allocated</c> is read from the array's capacity word (both are written together under the lock); no
/// slicing, insertion, sorting (whose swaps are <c>reverse_slice</c>'s and its own merges', all in the same section) or error paths beyond an index out of range; <c>list.extend</c> takes a list.
/// </para>
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

    private PyThreadState TState => _interp.CurrentThreadState;

    /// <summary>
    /// <c>PyList_New(n)</c> filled with <paramref name="items"/>, whose references the list steals: an item array of exactly
    /// that capacity, or no array (<c>ob_item == NULL</c>) for an empty list.
    /// </summary>
    public PyObjectPtr New(string label, params PyObjectPtr[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var _ = _rt.Enter($"PyList_New({label})");
        var list = _interp.Objects.New(Type, label);
        MemPtr? array = null;
        if (items.Length > 0)
        {
            array = AllocateArray($"{label}.ob_item", items.Length);
            for (var i = 0; i < items.Length; i++)
            {
                Item(array, i).Store(items[i], MemoryOrder.Relaxed);
            }
        }

        StoreObItem(list, array, MemoryOrder.Relaxed);
        StoreSize(list, items.Length);
        return list;
    }

    /// <summary><c>PyList_GET_SIZE</c>: a relaxed load of <c>ob_size</c>, no lock.</summary>
    public long Size(PyObjectPtr list)
    {
        ArgumentNullException.ThrowIfNull(list);
        return LoadSize(list);
    }

    /// <summary>
    /// <c>PyList_GetItemRef</c> (<c>list_get_item_ref</c>): a strong reference to item <paramref name="i"/>, or null if out of
    /// range. Lock-free if the caller owns the list or the list is shared; otherwise, or if the conditional increment fails,
    /// under the list's critical section. <paramref name="beforeItemLoad"/> runs between loading <c>ob_item</c> and loading
    /// the item: a hook for readers that misbehave there.
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
        if (LoadObItem(list, MemoryOrder.SeqCst) is not { } array)
        {
            return null;
        }

        using (Checker.Hold(array, $"a lock-free read of {list}.ob_item"))
        {
            if (i >= Allocated(array))
            {
                return null;
            }

            beforeItemLoad?.Invoke();
            item = _interp.Refcount.TryXGetRef(Item(array, i));
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
        if (i >= LoadSize(list) || LoadObItem(list, MemoryOrder.SeqCst) is not { } array)
        {
            return null;
        }

        using (Checker.Hold(array, $"a borrowed read of {list}.ob_item"))
        {
            return Item(array, i).Load(MemoryOrder.Relaxed);
        }
    }

    /// <summary>
    /// <c>PyList_SetItem</c>: in the list's critical section, replaces item <paramref name="i"/> with <paramref name="item"/>
    /// (stealing the reference) by a release store (<c>Py_XSETREF</c>), and drops the old item.
    /// </summary>
    public void SetItem(PyObjectPtr list, int i, PyObjectPtr item)
    {
        ArgumentNullException.ThrowIfNull(list);
        using var _ = _rt.Enter($"PyList_SetItem({list}, {i}, {item})");
        using (CriticalSectionApi.Begin(TState, list))
        {
            var slot = Item(LoadObItem(list, MemoryOrder.Relaxed)!, i);
            var old = slot.Load(MemoryOrder.Relaxed);
            slot.Store(item, MemoryOrder.Release);
            _interp.Refcount.XDecRef(old);
        }
    }

    /// <summary>
    /// <c>list.append</c> (<c>list_append_impl</c>, <c>@critical_section</c>) of an item whose reference the list steals
    /// (<c>_PyList_AppendTakeRef</c>): with room left, a release store of the item and then the new size; when full,
    /// <c>_PyList_AppendTakeRefListResize</c>: <see cref="Resize"/> (which publishes the new size, the new slot still
    /// NULL), then the release store of the item.
    /// </summary>
    public void Append(PyObjectPtr list, PyObjectPtr item)
    {
        ArgumentNullException.ThrowIfNull(list);
        using var _ = _rt.Enter($"list.append({list}, {item})");
        using (CriticalSectionApi.Begin(TState, list))
        {
            var len = (int)LoadSize(list);
            if (Allocated(list) > len)
            {
                Item(LoadObItem(list, MemoryOrder.Relaxed)!, len).Store(item, MemoryOrder.Release);
                StoreSize(list, len + 1);
                return;
            }

            Resize(list, len + 1);
            Item(LoadObItem(list, MemoryOrder.Relaxed)!, len).Store(item, MemoryOrder.Release);
        }
    }

    /// <summary>
    /// <c>list.extend(source)</c> for a list (<c>list_extend</c>: <c>Py_BEGIN_CRITICAL_SECTION2(self, iterable)</c> around
    /// <c>list_extend_fast</c>): an empty array is preallocated zeroed (<c>list_preallocate_exact</c>), otherwise
    /// <see cref="Resize"/> to the sum of the sizes; either way the new size is published before the items, which are then
    /// stored, each a new reference, with release stores.
    /// </summary>
    public void Extend(PyObjectPtr list, PyObjectPtr source)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(source);
        using var _ = _rt.Enter($"list.extend({list}, {source})");
        using (CriticalSectionApi.Begin2(TState, list, source))
        {
            var n = (int)LoadSize(source);
            if (n == 0)
            {
                return;
            }

            var m = (int)LoadSize(list);
            if (LoadObItem(list, MemoryOrder.Relaxed) is null)
            {
                var fresh = AllocateArray($"{list.Name}.ob_item (capacity {(n + 1) & ~1})", (n + 1) & ~1);
                ZeroSlots(fresh, 0, (n + 1) & ~1);
                StoreObItem(list, fresh, MemoryOrder.Release);
                StoreSize(list, n);
            }
            else
            {
                Resize(list, m + n);
            }

            var src = LoadObItem(source, MemoryOrder.Relaxed)!;
            var dest = LoadObItem(list, MemoryOrder.Relaxed)!;
            for (var k = 0; k < n; k++)
            {
                var o = Item(src, k).Load(MemoryOrder.Relaxed)!;
                _interp.Refcount.IncRef(o);
                Item(dest, m + k).Store(o, MemoryOrder.Release);
            }
        }
    }

    /// <summary>
    /// <c>list.reverse</c> (<c>list_reverse_impl</c>, <c>@critical_section</c>): <c>reverse_slice</c> over the items, which
    /// swaps them pairwise (<c>t = *lo; *lo = *hi; *hi = t;</c>) in the list's critical section, the seed's "swap operations
    /// as critical sections". Every item stays in the list throughout (one is briefly in two slots, none in none), so a
    /// lock-free <see cref="GetItemRef"/> takes a live item; without the section (<see cref="ListDesign.ReverseInCriticalSection"/>
    /// false) two swaps of the same pair interleave and one item ends in both slots: a reference lost and one counted twice.
    /// The slot accesses are plain in C; the model's relaxed loads and stores keep each word whole.
    /// </summary>
    public void Reverse(PyObjectPtr list)
    {
        ArgumentNullException.ThrowIfNull(list);
        using var _ = _rt.Enter($"list.reverse({list})");
        if (!_interp.Config.List.ReverseInCriticalSection)
        {
            ReverseSlice(list);
            return;
        }

        using (CriticalSectionApi.Begin(TState, list))
        {
            ReverseSlice(list);
        }
    }

    /// <summary><c>reverse_slice</c> over the whole list: swaps items pairwise from both ends.</summary>
    private void ReverseSlice(PyObjectPtr list)
    {
        var n = (int)LoadSize(list);
        if (n < 2)
        {
            return;
        }

        var array = LoadObItem(list, MemoryOrder.Relaxed)!;
        for (int lo = 0, hi = n - 1; lo < hi; lo++, hi--)
        {
            var t = Item(array, lo).Load(MemoryOrder.Relaxed);
            Item(array, lo).Store(Item(array, hi).Load(MemoryOrder.Relaxed), MemoryOrder.Relaxed);
            Item(array, hi).Store(t, MemoryOrder.Relaxed);
        }
    }

    /// <summary>
    /// <c>list_resize</c> (free-threaded), called in the list's critical section: if the capacity fits (at least
    /// <paramref name="newSize"/>, and <paramref name="newSize"/> at least half of it) only <c>ob_size</c> changes.
    /// Otherwise a new array with CPython's growth pattern, marked shared first if the caller does not own the list
    /// (<c>ensure_shared_on_resize</c>, gh-127521, <see cref="ListDesign.EnsureSharedOnResize"/>), the items copied and
    /// the new slots zeroed, published with a release store of <c>ob_item</c>, then <c>ob_size</c>; the old array is freed
    /// with <c>_PyMem_FreeDelayed</c> if the list is shared, else with <c>PyMem_Free</c> (<c>free_list_items</c>). New
    /// slots below <paramref name="newSize"/> hold NULL until the caller stores into them.
    /// </summary>
    public void Resize(PyObjectPtr list, int newSize)
    {
        ArgumentNullException.ThrowIfNull(list);
        using var _ = _rt.Enter($"list_resize({list}, {newSize})");
        CriticalSectionApi.AssertHeld(TState, list.Block.ObMutex, "list_resize");
        var allocated = Allocated(list);
        if (allocated >= newSize && newSize >= (allocated >> 1))
        {
            StoreSize(list, newSize);
            return;
        }

        var newAllocated = (newSize + (newSize >> 3) + 6) & ~3;
        if (newSize - LoadSize(list) > newAllocated - newSize)
        {
            newAllocated = (newSize + 3) & ~3; // do not overallocate if the new size is closer to it than to the old size
        }

        if (newSize == 0)
        {
            newAllocated = 0;
        }

        if (_interp.Config.List.EnsureSharedOnResize)
        {
            EnsureSharedOnResize(list);
        }

        var array = AllocateArray($"{list.Name}.ob_item (capacity {newAllocated})", newAllocated);
        var oldArray = LoadObItem(list, MemoryOrder.Relaxed);
        var copied = Math.Min(allocated, newAllocated);
        for (var k = 0; oldArray is not null && k < copied; k++)
        {
            Item(array, k).Store(Item(oldArray, k).Load(MemoryOrder.Relaxed), MemoryOrder.Relaxed);
        }

        ZeroSlots(array, allocated, newAllocated);
        StoreObItem(list, array, MemoryOrder.Release);
        StoreSize(list, newSize);
        if (oldArray is not null)
        {
            FreeListItems(oldArray, useQsbr: (_interp.Objects.Header(list).LoadGcBits() & PyGcBits.Shared) != 0);
        }
    }

    /// <summary>
    /// <c>list_item_impl</c>: in the list's critical section, marks the list shared (the first read by another thread), then
    /// takes the item with <c>_Py_NewRefWithLock</c>, which lets later lock-free readers try-incref it.
    /// </summary>
    private PyObjectPtr? ItemLocked(PyObjectPtr list, int i)
    {
        using var _ = _rt.Enter($"list_item_impl({list}, {i})");
        using (CriticalSectionApi.Begin(TState, list))
        {
            SetShared(list);
            if (i >= LoadSize(list))
            {
                return null;
            }

            var item = Item(LoadObItem(list, MemoryOrder.Relaxed)!, i).Load(MemoryOrder.Relaxed);
            return item is null ? null : _interp.Refcount.NewRefWithLock(item);
        }
    }

    /// <summary>
    /// <c>ensure_shared_on_resize</c> (gh-127521): in the critical section, a thread that resizes a list it does not own marks
    /// it shared, so that the old array is freed through QSBR even if only the owner reads it lock-free.
    /// </summary>
    private void EnsureSharedOnResize(PyObjectPtr list)
    {
        if (!_interp.Objects.Header(list).IsOwnedByCurrentThread())
        {
            SetShared(list);
        }
    }

    /// <summary><c>_PyObject_GC_SET_SHARED</c> unless already set (a relaxed load and store of <c>ob_gc_bits</c>, under the lock).</summary>
    private void SetShared(PyObjectPtr list)
    {
        var h = _interp.Objects.Header(list);
        var bits = h.LoadGcBits();
        if ((bits & PyGcBits.Shared) == 0)
        {
            h.StoreGcBits(bits | PyGcBits.Shared);
        }
    }

    /// <summary><c>free_list_items</c>: <c>_PyMem_FreeDelayed</c> if lock-free readers may hold the array, else <c>PyMem_Free</c>.</summary>
    private void FreeListItems(MemPtr array, bool useQsbr)
    {
        if (useQsbr)
        {
            _interp.DelayedFree.FreeDelayed(array);
        }
        else
        {
            _interp.Mem.Free(array);
        }
    }

    /// <summary><c>list_dealloc</c>: drops every item, frees the array (no reader can hold it any more), then the list.</summary>
    private void Dealloc(PyObjectPtr list)
    {
        if (LoadObItem(list, MemoryOrder.Relaxed) is not { } array)
        {
            return;
        }

        for (var i = (int)LoadSize(list) - 1; i >= 0; i--)
        {
            _interp.Refcount.XDecRef(Item(array, i).Load(MemoryOrder.Relaxed));
        }

        FreeListItems(array, useQsbr: false);
    }

    /// <summary><c>list_allocate_array</c>: an item array with room for <paramref name="capacity"/> items (not zeroed).</summary>
    private MemPtr AllocateArray(string label, int capacity)
    {
        var array = _interp.Mem.Malloc(8 + (8 * capacity), label);
        _interp.Mem.Body(array).StoreInt(0, capacity, field: $"{label}.allocated");
        return array;
    }

    /// <summary>The <c>memset</c> of slots [<paramref name="from"/>, <paramref name="to"/>) to NULL.</summary>
    private void ZeroSlots(MemPtr array, int from, int to)
    {
        for (var k = from; k < to; k++)
        {
            Item(array, k).Store(null, MemoryOrder.Relaxed);
        }
    }

    /// <summary><c>self-&gt;allocated</c>: the capacity of the current array, 0 without one.</summary>
    private int Allocated(PyObjectPtr list) =>
        LoadObItem(list, MemoryOrder.Relaxed) is { } array ? (int)Allocated(array) : 0;

    /// <summary><c>&amp;ob_item[i]</c> of an item array: the word after its capacity.</summary>
    private PySlot Item(MemPtr array, int i) => new(array, 1 + i, Checker, $"{array.Name}[{i}]");

    /// <summary>The capacity of an item array (<c>_PyListArray.allocated</c>).</summary>
    private long Allocated(MemPtr array) => _interp.Mem.Body(array).LoadInt(0, field: $"{array.Name}.allocated");

    private long LoadSize(PyObjectPtr list) => Checker.Body(list).LoadInt(0, MemoryOrder.Relaxed, $"{list.Name}.ob_size");

    private void StoreSize(PyObjectPtr list, long value) => Checker.Body(list).StoreInt(0, value, MemoryOrder.Relaxed, $"{list.Name}.ob_size");

    private MemPtr? LoadObItem(PyObjectPtr list, MemoryOrder order) => (MemPtr?)Checker.Body(list).LoadPtr(1, order, $"{list.Name}.ob_item");

    private void StoreObItem(PyObjectPtr list, MemPtr? array, MemoryOrder order) => Checker.Body(list).StorePtr(1, array, order, $"{list.Name}.ob_item");
}
