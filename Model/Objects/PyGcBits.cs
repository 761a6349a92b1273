namespace Sim.Model.Objects;

/// <summary>
/// The bits of <c>ob_gc_bits</c> (<c>Include/internal/pycore_gc.h</c>, 3.13) that the model uses. They are set with a
/// relaxed load and store (<c>_PyObject_SET_GC_BITS</c>) under the object's lock, and read with a relaxed load without it.
/// </summary>
public static class PyGcBits
{
    /// <summary><c>_PyGC_BITS_TRACKED</c>.</summary>
    public const int Tracked = 1;

    /// <summary><c>_PyGC_BITS_FINALIZED</c>: <c>tp_finalize</c> has run; <c>PyObject_CallFinalizer</c> does not run it again.</summary>
    public const int Finalized = 2;

    /// <summary>
    /// <c>_PyGC_BITS_UNREACHABLE</c>: set by the collector on every object it has not (yet) found reachable; while it is
    /// set, <c>ob_tid</c> holds the collector's data, not an owner (<see cref="Gc.GcCollection"/>).
    /// </summary>
    public const int Unreachable = 4;

    /// <summary><c>_PyGC_BITS_FROZEN</c>: <c>gc.freeze()</c> moved the object out of the collector's sight.</summary>
    public const int Frozen = 8;

    /// <summary>
    /// <c>_PyGC_BITS_SHARED</c>: a non-owner thread has read the object (a list or dict), so its owner frees replaced
    /// storage through QSBR and non-owners may read it without its lock.
    /// </summary>
    public const int Shared = 16;

    /// <summary>
    /// <c>_PyGC_BITS_SHARED_INLINE</c>: another thread may read the object's inline values without a lock, so
    /// <c>PyObject_GC_Del</c> frees the object's memory through <c>_PyObject_FreeDelayed</c> (QSBR).
    /// </summary>
    public const int SharedInline = 32;

    /// <summary><c>_PyGC_BITS_DEFERRED</c>: the object uses deferred reference counting (<see cref="Gc.GcObjects.SetDeferredRefcount"/>).</summary>
    public const int Deferred = 64;
}
