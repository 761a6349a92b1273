namespace Sim.Model.Objects;

/// <summary>
/// The parts of a type object (<c>PyTypeObject</c>) the memory model uses: the name, <c>tp_basicsize</c> (which fixes the
/// size class), whether instances are GC objects (which fixes the heap), and the type-specific part of
/// <c>tp_dealloc</c> that runs before the memory is freed (a list drops its items and frees its array).
/// </summary>
/// <param name="name"><c>tp_name</c>.</param>
/// <param name="basicSize"><c>tp_basicsize</c> in bytes, header included (32 bytes in the free-threaded build).</param>
/// <param name="isGc"><c>Py_TPFLAGS_HAVE_GC</c>: allocated from the GC heap.</param>
/// <param name="dealloc">What <c>tp_dealloc</c> does before freeing the memory, or null.</param>
/// <param name="finalize"><c>tp_finalize</c> (a class's <c>__del__</c>), which <c>tp_dealloc</c> calls first and which may resurrect the object, or null.</param>
public sealed class PyTypeObject(string name, int basicSize, bool isGc = false, Action<PyObjectPtr>? dealloc = null, Action<PyObjectPtr>? finalize = null)
{
    /// <summary>The size of the free-threaded <c>PyObject</c> header: <c>ob_tid</c>, the flags/mutex/gc-bits/local word, <c>ob_ref_shared</c>, <c>ob_type</c>.</summary>
    public const int HeaderSize = 32;

    /// <summary><c>tp_name</c>.</summary>
    public string Name { get; } = name;

    /// <summary><c>tp_basicsize</c>.</summary>
    public int BasicSize { get; } = basicSize;

    /// <summary><c>Py_TPFLAGS_HAVE_GC</c>.</summary>
    public bool IsGc { get; } = isGc;

    /// <summary>The type-specific part of <c>tp_dealloc</c>, run before <c>PyObject_Free</c>.</summary>
    public Action<PyObjectPtr>? Dealloc { get; } = dealloc;

    /// <summary><c>tp_finalize</c>, run by <c>PyObject_CallFinalizerFromDealloc</c> with the object temporarily resurrected.</summary>
    public Action<PyObjectPtr>? Finalize { get; } = finalize;

    /// <summary>
    /// <c>tp_traverse</c> as data: the body words that hold the object's strong references to other objects (a class
    /// instance's slots). The collector visits them (<see cref="Gc.GcCollection"/>) and its <c>tp_clear</c> clears them.
    /// Empty for a type whose instances hold no references the collector sees.
    /// </summary>
    public IReadOnlyList<int> Traverse { get; init; } = [];

    /// <summary>
    /// <c>tp_weaklistoffset</c> as a body word: the word of each instance that holds the head of its weakref list
    /// (<c>_PyObject_GET_WEAKREFS_LISTPTR</c>), or -1 (offset 0) if instances cannot be weakly referenced. The word must be
    /// NULL when the object is created (<see cref="PyObjectAllocator.GenericAlloc"/> zeroes it, as <c>PyType_GenericAlloc</c> does).
    /// </summary>
    public int WeaklistWord { get; init; } = -1;

    /// <summary><c>_PyType_SUPPORTS_WEAKREFS(type)</c>: <c>tp_weaklistoffset != 0</c>.</summary>
    public bool SupportsWeakrefs => WeaklistWord >= 0;

    /// <inheritdoc/>
    public override string ToString() => Name;
}
