namespace Sim.Model.Objects;

/// <summary>
/// How <c>PyObject_CallFinalizerFromDealloc</c> (<c>Objects/object.c</c>) makes an object that its finalizer resurrected
/// alive again (<see cref="PyObjectAllocator"/>).
/// </summary>
/// <param name="RestoresOnlyRefcount">
/// True (gh-113750, 3.13): only the reference count is restored (<c>_Py_ResurrectReference</c>); <c>ob_tid</c>,
/// <c>ob_mutex</c> and <c>ob_gc_bits</c> keep their values. False (before it): <c>_Py_NewReferenceNoTotal</c> then
/// <c>Py_SET_REFCNT</c>, which re-initialise the whole header as for a new object: a zero <c>ob_mutex</c> even while a
/// thread holds the object's critical section, <c>ob_gc_bits</c> without FINALIZED or SHARED, the resurrecting thread as
/// owner.
/// </param>
public sealed record ResurrectionDesign(bool RestoresOnlyRefcount)
{
    /// <summary>CPython 3.13.</summary>
    public static ResurrectionDesign Cpython313 { get; } = new(RestoresOnlyRefcount: true);

    /// <summary>Before gh-113750: the header is re-initialised.</summary>
    public static ResurrectionDesign ReinitializeHeader { get; } = new(RestoresOnlyRefcount: false);
}
