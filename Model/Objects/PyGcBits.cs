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
    /// <c>_PyGC_BITS_SHARED</c>: a non-owner thread has read the object (a list or dict), so its owner frees replaced
    /// storage through QSBR and non-owners may read it without its lock.
    /// </summary>
    public const int Shared = 16;
}
