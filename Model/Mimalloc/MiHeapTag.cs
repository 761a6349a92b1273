namespace Sim.Model.Mimalloc;

/// <summary>
/// The tags of a thread's mimalloc heaps (<c>_Py_MIMALLOC_HEAP_*</c>, <c>Include/internal/pycore_mimalloc.h</c>, 3.13). A
/// page carries the tag of the heap that created it, and an abandoned page is reclaimed only by a heap with the same tag
/// (gh-112532), so that the GC finds exactly the GC objects by walking the GC heaps.
/// </summary>
public enum MiHeapTag
{
    /// <summary><c>_Py_MIMALLOC_HEAP_MEM</c>: <c>PyMem_Malloc</c> memory (list arrays, dict keys): not objects, pages not QSBR-delayed.</summary>
    Mem = 0,

    /// <summary><c>_Py_MIMALLOC_HEAP_OBJECT</c>: objects without GC support; pages use QSBR.</summary>
    Object = 1,

    /// <summary><c>_Py_MIMALLOC_HEAP_GC</c>: GC objects; pages use QSBR.</summary>
    Gc = 2,

    /// <summary><c>_Py_MIMALLOC_HEAP_GC_PRE</c>: GC objects with a pre-header (managed dict); pages use QSBR.</summary>
    GcPre = 3,
}

/// <summary>Facts about <see cref="MiHeapTag"/>.</summary>
public static class MiHeapTags
{
    /// <summary><c>_Py_MIMALLOC_HEAP_COUNT</c>.</summary>
    public const int Count = 4;

    /// <summary>
    /// Whether a heap with this tag sets <c>page_use_qsbr</c> (<c>tstate_mimalloc_bind</c>, <c>Python/pystate.c</c>): the three
    /// heaps that hold Python objects do, the MEM heap does not.
    /// </summary>
    public static bool UsesQsbr(this MiHeapTag tag) => tag != MiHeapTag.Mem;

    /// <summary>The tag's name as CPython spells it, without the prefix.</summary>
    public static string Describe(this MiHeapTag tag) => tag switch
    {
        MiHeapTag.Mem => "MEM",
        MiHeapTag.Object => "OBJECT",
        MiHeapTag.Gc => "GC",
        MiHeapTag.GcPre => "GC_PRE",
        _ => $"tag{(int)tag}",
    };
}
