using Sim.Model.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects;

/// <summary>
/// The header of the object a pointer points to, read and written through its block's cells with the memory orders
/// of <c>Include/object.h</c> (3.13), each access checked by the heap as it happens. <c>ob_ref_local</c> is written only by
/// the owner (checked), except by a merge, which zeroes it, and by the allocator.
/// </summary>
/// <remarks>
/// Reads and writes through a stale pointer are errors, except for a <paramref name="typeStable"/> header: the
/// conditional increments of lock-free readers, which read a header that may be freed or reused (allowed while the
/// reader is QSBR-online and the page is a QSBR page: <see cref="MiHeapChecker.CheckRead"/>), and whose increment may land
/// on a new object in the same block, which <c>_Py_TryIncrefCompare</c> then undoes.
/// </remarks>
/// <param name="rt">The runtime.</param>
/// <param name="checker">The heap checker.</param>
/// <param name="ptr">The object pointer.</param>
/// <param name="typeStable">Whether this is a lock-free reader's type-stable access (see remarks).</param>
public readonly struct PyObjectHeader(SimRuntime rt, MiHeapChecker checker, PyObjectPtr ptr, bool typeStable = false)
{
    /// <summary>The pointer.</summary>
    public PyObjectPtr Ptr { get; } = ptr;

    private MiBlock Block => Ptr.Block;

    /// <summary><c>_Py_ThreadId()</c> of the calling thread.</summary>
    public long CurrentTid => rt.CurrentThread.Id;

    /// <summary><c>_Py_atomic_load_uint32_relaxed(&amp;op-&gt;ob_ref_local)</c>.</summary>
    public uint LoadLocal()
    {
        var v = Block.ObRefLocal.Read();
        checker.CheckRead(Ptr, "ob_ref_local", typeStable);
        return v;
    }

    /// <summary>The owner's <c>_Py_atomic_store_uint32_relaxed(&amp;op-&gt;ob_ref_local, v)</c>: the writer must own the object.</summary>
    public void StoreLocalByOwner(uint value)
    {
        Block.ObRefLocal.Write(value);
        checker.CheckWrite(Ptr, "ob_ref_local", typeStable);
        var tid = Block.ObTid.Peek();
        if (tid != CurrentTid)
        {
            rt.Fail($"ob_ref_local of {Ptr.Name} written by {rt.CurrentThread}, which does not own it (ob_tid={tid}): only the owner writes ob_ref_local");
        }
    }

    /// <summary>A merge's store of 0 into <c>ob_ref_local</c> (the merging thread owns the object, or its owner has exited).</summary>
    public void ZeroLocalForMerge()
    {
        Block.ObRefLocal.Write(0);
        checker.CheckWrite(Ptr, "ob_ref_local");
    }

    /// <summary><c>new_reference</c>'s plain store of 1 into <c>ob_ref_local</c> of a new object.</summary>
    public void InitializeLocal(uint value)
    {
        Block.ObRefLocal.Write(value);
        checker.CheckWrite(Ptr, "ob_ref_local");
    }

    /// <summary>Loads <c>ob_tid</c>.</summary>
    public long LoadTid(MemoryOrder order)
    {
        var v = Block.ObTid.Load(order);
        checker.CheckRead(Ptr, "ob_tid", typeStable);
        return v;
    }

    /// <summary>Stores <c>ob_tid</c>.</summary>
    public void StoreTid(long value, MemoryOrder order)
    {
        Block.ObTid.Store(value, order);
        checker.CheckWrite(Ptr, "ob_tid");
    }

    /// <summary><c>_Py_IsOwnedByCurrentThread</c>: a relaxed load of <c>ob_tid</c> compared with <c>_Py_ThreadId()</c>.</summary>
    public bool IsOwnedByCurrentThread() => LoadTid(MemoryOrder.Relaxed) == CurrentTid;

    /// <summary>Loads <c>ob_ref_shared</c>.</summary>
    public long LoadShared(MemoryOrder order)
    {
        var v = Block.ObRefShared.Load(order);
        checker.CheckRead(Ptr, "ob_ref_shared", typeStable);
        return v;
    }

    /// <summary>Stores <c>ob_ref_shared</c>.</summary>
    public void StoreShared(long value, MemoryOrder order)
    {
        Block.ObRefShared.Store(value, order);
        checker.CheckWrite(Ptr, "ob_ref_shared");
    }

    /// <summary>
    /// <c>_Py_atomic_compare_exchange_ssize(&amp;op-&gt;ob_ref_shared, &amp;expected, desired)</c>; on success the write is checked.
    /// <paramref name="beforeCheck"/> runs on success, before the heap's check, with the value replaced.
    /// </summary>
    public bool CasShared(ref long expected, long desired, Action<long>? beforeCheck = null)
    {
        var ok = Block.ObRefShared.CompareExchange(ref expected, desired);
        if (ok)
        {
            beforeCheck?.Invoke(expected);
            checker.CheckWrite(Ptr, "ob_ref_shared", typeStable);
        }
        else
        {
            checker.CheckRead(Ptr, "ob_ref_shared", typeStable);
        }

        return ok;
    }

    /// <summary><c>_Py_atomic_add_ssize(&amp;op-&gt;ob_ref_shared, delta)</c>; returns the previous value.</summary>
    public long AddShared(long delta)
    {
        var old = Block.ObRefShared.FetchAdd(delta);
        checker.CheckWrite(Ptr, "ob_ref_shared");
        return old;
    }

    /// <summary>A relaxed load of <c>ob_gc_bits</c>.</summary>
    public int LoadGcBits()
    {
        var v = Block.ObGcBits.Load(MemoryOrder.Relaxed);
        checker.CheckRead(Ptr, "ob_gc_bits");
        return v;
    }

    /// <summary>A relaxed store of <c>ob_gc_bits</c>.</summary>
    public void StoreGcBits(int value)
    {
        Block.ObGcBits.Store(value, MemoryOrder.Relaxed);
        checker.CheckWrite(Ptr, "ob_gc_bits");
    }
}
