namespace Sim.Model.Objects;

/// <summary>
/// The reference-count fields of a free-threaded object header (<c>Include/object.h</c>, 3.13).
/// <code>
/// ob_ref_local (uint32): the owner's count; _Py_IMMORTAL_REFCNT_LOCAL (UINT32_MAX) marks an immortal object.
/// ob_ref_shared (Py_ssize_t):
///   bits 63..2  the shared count, signed: other threads' increments minus their decrements; it may be negative
///               until the owner merges the two fields
///   bits  1..0  the state:
///               00 _Py_REF_SHARED_INIT     nothing special
///               01 _Py_REF_MAYBE_WEAKREF   lock-free readers may try-incref it (set when it was shared with a lock)
///               10 _Py_REF_QUEUED          queued for its owner to merge; the queue entry holds one reference
///               11 _Py_REF_MERGED          merged: ob_ref_local and ob_tid are 0, the shared count is the true count
/// true refcount = ob_ref_local + (ob_ref_shared &gt;&gt; 2)
/// </code>
/// </summary>
public static class RefcountBits
{
    /// <summary><c>_Py_REF_SHARED_SHIFT</c>.</summary>
    public const int SharedShift = 2;

    /// <summary><c>_Py_REF_SHARED_FLAG_MASK</c>.</summary>
    public const long SharedFlagMask = 0x3;

    /// <summary><c>_Py_REF_SHARED_INIT</c>.</summary>
    public const long SharedInit = 0x0;

    /// <summary><c>_Py_REF_MAYBE_WEAKREF</c>.</summary>
    public const long MaybeWeakref = 0x1;

    /// <summary><c>_Py_REF_QUEUED</c>.</summary>
    public const long Queued = 0x2;

    /// <summary><c>_Py_REF_MERGED</c>.</summary>
    public const long Merged = 0x3;

    /// <summary>One reference in the shared count (<c>1 &lt;&lt; _Py_REF_SHARED_SHIFT</c>).</summary>
    public const long SharedOne = 1L << SharedShift;

    /// <summary><c>_Py_IMMORTAL_REFCNT_LOCAL</c>.</summary>
    public const uint ImmortalRefcntLocal = uint.MaxValue;

    /// <summary><c>_Py_UNOWNED_TID</c>: the <c>ob_tid</c> of a merged (or immortal) object.</summary>
    public const long UnownedTid = 0;

    /// <summary><c>_Py_REF_SHARED(refcnt, flags)</c>.</summary>
    public static long Shared(long refcnt, long flags) => (refcnt << SharedShift) | flags;

    /// <summary>The shared count (<c>Py_ARITHMETIC_RIGHT_SHIFT(ob_ref_shared, _Py_REF_SHARED_SHIFT)</c>).</summary>
    public static long Count(long shared) => shared >> SharedShift;

    /// <summary>The state flags.</summary>
    public static long Flags(long shared) => shared & SharedFlagMask;

    /// <summary><c>_Py_REF_IS_MERGED</c>.</summary>
    public static bool IsMerged(long shared) => Flags(shared) == Merged;

    /// <summary>
    /// The true count: <c>ob_ref_local + (ob_ref_shared &gt;&gt; 2)</c>, as <c>Py_REFCNT</c> computes it; once merged, the shared
    /// count alone (a merge zeroes <c>ob_ref_local</c>, and the merged count already includes it).
    /// </summary>
    public static long TrueRefcount(uint local, long shared) => IsMerged(shared) ? Count(shared) : local + Count(shared);

    /// <summary>The field as <c>count&lt;&lt;2|FLAG</c> for reports.</summary>
    public static string Describe(long shared) => $"{Count(shared)}<<2|{Flags(shared) switch
    {
        SharedInit => "INIT",
        MaybeWeakref => "MAYBE_WEAKREF",
        Queued => "QUEUED",
        _ => "MERGED",
    }}";
}
