namespace Sim.Model.Objects;

/// <summary>
/// How biased reference counting behaves: CPython 3.13's design (<see cref="Cpython313"/>), the order of 3.13's betas
/// before gh-119999, or one of the broken designs BRC exists to prevent. Read in one place each, by the operation it
/// changes.
/// </summary>
public sealed record RefcountDesign
{
    /// <summary>CPython 3.13.0, free-threaded build.</summary>
    public static RefcountDesign Cpython313 { get; } = new();

    /// <summary>When a merge clears <c>ob_ref_local</c> and <c>ob_tid</c>.</summary>
    public MergeFieldOrder MergeFieldOrder { get; init; } = MergeFieldOrder.FieldsBeforeMerge;

    /// <summary>What a non-owner's decrement does (<c>_Py_DecRefShared</c>).</summary>
    public NonOwnerDecref NonOwnerDecref { get; init; } = NonOwnerDecref.QueueWhenNegative;

    /// <summary>What the owner does when its local count reaches zero (<c>_Py_MergeZeroLocalRefcount</c>).</summary>
    public ZeroLocalMerge ZeroLocalMerge { get; init; } = ZeroLocalMerge.CasUnlessSharedIsZero;

    /// <summary>Which shared values <c>_Py_TryIncRefShared</c> refuses.</summary>
    public TryIncrefRule TryIncRefShared { get; init; } = TryIncrefRule.RefuseZeroAndMerged;

    /// <summary>How an exiting thread leaves the BRC table (<c>_Py_brc_remove_thread</c>).</summary>
    public BrcRemoveThread RemoveThread { get; init; } = BrcRemoveThread.DrainUntilEmptyUnderLock;

    /// <summary>
    /// <c>Py_REF_DEBUG</c>: a debug build that counts every reference operation in the thread's reference total
    /// (<see cref="RefTotal"/>). Off by default, as in a release build.
    /// </summary>
    public bool RefDebug { get; init; }

    /// <summary>Where <c>tstate_delete_common</c> merges an exiting thread's reference total (with <see cref="RefDebug"/>).</summary>
    public RefTotalMerge RefTotalMerge { get; init; } = RefTotalMerge.UnderHeadLock;
}

/// <summary>Where an exiting thread's reference total goes into the interpreter's.</summary>
public enum RefTotalMerge
{
    /// <summary>
    /// CPython 3.13: under <c>HEAD_LOCK</c>, together with the unlink, so <c>_PyInterpreterState_GetRefTotal</c> (also under
    /// <c>HEAD_LOCK</c>) counts the thread's total exactly once, and two exiting threads never update the total at once.
    /// </summary>
    UnderHeadLock,

    /// <summary>
    /// Broken (MECHANISMS.md A8, <c>reftotal-unlocked-merge</c>): before <c>HEAD_LOCK</c>. A concurrent sum counts the total
    /// twice (in the interpreter's and in the still-linked thread's), and two exiting threads' plain <c>+=</c> lose one.
    /// </summary>
    BeforeHeadLock,
}

/// <summary>When <c>_Py_ExplicitMergeRefcount</c> and <c>_Py_MergeZeroLocalRefcount</c> write <c>ob_ref_local</c> and <c>ob_tid</c>.</summary>
public enum MergeFieldOrder
{
    /// <summary>
    /// CPython 3.13.0 (gh-119999, gh-121794): before the CAS that marks <c>ob_ref_shared</c> MERGED, because once it is
    /// merged another thread may drop the last reference and free the object.
    /// </summary>
    FieldsBeforeMerge,

    /// <summary>
    /// 3.13 betas before gh-119999: after the CAS. A third thread's decref can free the object in between, and the merging
    /// thread then writes into freed memory.
    /// </summary>
    FieldsAfterMerge,
}

/// <summary>What a decrement by a thread that does not own the object does.</summary>
public enum NonOwnerDecref
{
    /// <summary>
    /// CPython 3.13: subtract one from the shared count; if the shared field was 0 (or just MAYBE_WEAKREF), do not
    /// subtract but mark it QUEUED and queue the object to its owner, the queue entry holding that reference.
    /// </summary>
    QueueWhenNegative,

    /// <summary>
    /// Broken: always subtract, letting the shared count go negative, and never ask the owner to merge. When the owner's
    /// local count was holding the last references, nobody ever sees the true count reach zero: the object leaks.
    /// </summary>
    NeverQueue,

    /// <summary>
    /// Broken: a non-owner frees the object when the shared count it leaves behind is zero, ignoring <c>ob_ref_local</c>,
    /// as if each thread's count were the whole count. It frees objects the owner still references.
    /// </summary>
    FreeWhenSharedCountIsZero,
}

/// <summary>What the owner does when <c>ob_ref_local</c> reaches zero.</summary>
public enum ZeroLocalMerge
{
    /// <summary>
    /// CPython 3.13: deallocate at once only if <c>ob_ref_shared</c> is exactly 0 (no flags); otherwise clear <c>ob_tid</c>
    /// and CAS the flags to MERGED, deallocating if the merged count is zero. MAYBE_WEAKREF thereby forces the CAS, which
    /// a lock-free reader's conditional increment either precedes (and keeps the object alive) or sees (and fails).
    /// </summary>
    CasUnlessSharedIsZero,

    /// <summary>
    /// Broken: deallocate at once whenever the shared count is zero, whatever the flags, without a CAS. A reader's
    /// conditional increment between the owner's load and the free revives a dying object.
    /// </summary>
    DeallocWhenSharedCountIsZero,
}

/// <summary>Which values of <c>ob_ref_shared</c> make <c>_Py_TryIncRefShared</c> fail.</summary>
public enum TryIncrefRule
{
    /// <summary>CPython 3.13: 0 (the owner may free it without a CAS) and exactly MERGED (merged with a count of zero: dead).</summary>
    RefuseZeroAndMerged,

    /// <summary>Broken: only 0. A dead, merged object (MERGED, count 0) is "revived" by a lock-free reader.</summary>
    RefuseZeroOnly,
}

/// <summary>How <c>_Py_brc_remove_thread</c> empties the exiting thread's queue and leaves its bucket.</summary>
public enum BrcRemoveThread
{
    /// <summary>
    /// CPython 3.13: merge the queued objects, then, under the bucket lock, unlink only if no new object was queued in the
    /// meantime; otherwise take the new ones and repeat.
    /// </summary>
    DrainUntilEmptyUnderLock,

    /// <summary>
    /// Broken: merge the queue once (<c>_Py_brc_merge_refcounts</c>), then take the lock again to unlink. An object queued
    /// in between stays in the dead thread's queue forever: a leak.
    /// </summary>
    MergeThenUnlink,
}
