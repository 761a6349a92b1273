namespace Sim.Runtime.Cells;

/// <summary>
/// The memory order of an atomic operation, named as in CPython's <c>Include/cpython/pyatomic.h</c>
/// (<c>_Py_atomic_load_int_relaxed</c>, <c>_Py_atomic_load_ptr_acquire</c>,
/// <c>_Py_atomic_store_int_release</c>; unsuffixed operations are sequentially consistent).
/// </summary>
/// <remarks>
/// <para>
/// In controlled mode every execution is sequentially consistent (one thread runs between scheduling points), so the
/// order does not change what exploration can observe; it is recorded in the trace. (Deviation: the weak behaviours a
/// relaxed or acquire/release order allows are not explored.)
/// </para>
/// <para>
/// In production mode each operation is the .NET operation below, which is at least as strong as the order asks, never
/// weaker; some orders are therefore strengthened:
/// </para>
/// <list type="table">
/// <listheader><term>Operation</term><description>.NET operation, and the order it gives</description></listheader>
/// <item><term>Load, any order</term><description><c>Volatile.Read</c>: an acquire load
/// (<see cref="Relaxed"/> is strengthened to acquire; <see cref="SeqCst"/> needs no more, since a volatile load is what
/// C11 compilers emit for a sequentially consistent load on x64 and Arm64, where every sequentially consistent store
/// below is a full fence).</description></item>
/// <item><term>Store, <see cref="SeqCst"/></term><description><c>Interlocked.Exchange</c>:
/// a full fence, so that a later load cannot be reordered before it (the store-buffering outcome is
/// impossible).</description></item>
/// <item><term>Store, any other order</term><description><c>Volatile.Write</c>: a
/// release store (<see cref="Relaxed"/> is strengthened to release; <see cref="Acquire"/> and
/// <see cref="AcquireRelease"/>, which C11 does not allow on a store, give a release store).</description></item>
/// <item><term>Exchange, compare-exchange, fetch-add, fetch-or, fetch-and, any order</term><description>The
/// <see cref="System.Threading.Interlocked"/> operation: a full fence, sequentially consistent whatever the order
/// asks.</description></item>
/// </list>
/// <para>Plain cells (<see cref="PlainCell{T}"/>) use ordinary loads and stores: no order, as for a C field.</para>
/// </remarks>
public enum MemoryOrder : byte
{
    /// <summary>No ordering; atomicity only (<c>_relaxed</c>).</summary>
    Relaxed,

    /// <summary>Later accesses are not reordered before this load (<c>_acquire</c>).</summary>
    Acquire,

    /// <summary>Earlier accesses are not reordered after this store (<c>_release</c>).</summary>
    Release,

    /// <summary>Both acquire and release, for read-modify-write operations.</summary>
    AcquireRelease,

    /// <summary>Sequentially consistent: the default of unsuffixed pyatomic operations.</summary>
    SeqCst,
}

/// <summary>Short names of memory orders, as the trace prints them.</summary>
internal static class MemoryOrderNames
{
    public static string Short(this MemoryOrder order) => order switch
    {
        MemoryOrder.Relaxed => "relaxed",
        MemoryOrder.Acquire => "acquire",
        MemoryOrder.Release => "release",
        MemoryOrder.AcquireRelease => "acq_rel",
        _ => "seq_cst",
    };
}
