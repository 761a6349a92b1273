namespace Sim.Runtime.Cells;

/// <summary>
/// The memory order of an atomic operation, named as in CPython's <c>Include/cpython/pyatomic.h</c>
/// (<c>_Py_atomic_load_int_relaxed</c>, <c>_Py_atomic_load_ptr_acquire</c>,
/// <c>_Py_atomic_store_int_release</c>; unsuffixed operations are sequentially consistent).
/// </summary>
/// <remarks>
/// Deviation: in controlled mode every execution is sequentially consistent (one thread runs
/// between scheduling points), so the order does not change what exploration can observe. It is
/// kept in the API, recorded in the trace, and honoured in production mode
/// (<see cref="System.Threading.Volatile"/> for acquire and release, <see cref="System.Threading.Interlocked"/>
/// for sequentially consistent operations).
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
