namespace Sim.Model.CriticalSections;

/// <summary>
/// How critical sections behave: CPython 3.13's free-threaded design (<see cref="Cpython313"/>), the default build's (the
/// macros compile to a bare block, the GIL being the lock), or one of the broken designs that critical sections exist to
/// prevent. Read by the operation each property changes (<see cref="CriticalSection"/>).
/// </summary>
public sealed record CriticalSectionDesign
{
    /// <summary>CPython 3.13, free-threaded build.</summary>
    public static CriticalSectionDesign Cpython313 { get; } = new();

    /// <summary>
    /// The default build (<c>Include/cpython/critical_section.h</c> without <c>Py_GIL_DISABLED</c>): every
    /// <c>Py_BEGIN_CRITICAL_SECTION</c> is <c>{</c> and every <c>Py_END_CRITICAL_SECTION</c> is <c>}</c>. Safe only while
    /// the GIL serialises the threads; with the GIL disabled it is the code before the seed's deque change.
    /// </summary>
    public static CriticalSectionDesign DefaultBuild { get; } = new() { Enabled = false };

    /// <summary>False: the default build's no-op macros.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>In which order <c>Py_BEGIN_CRITICAL_SECTION2</c> locks its two mutexes.</summary>
    public TwoMutexOrder TwoMutexOrder { get; init; } = TwoMutexOrder.AddressOrder;

    /// <summary>What detaching and re-attaching do to a thread's critical sections.</summary>
    public SectionSuspension Suspension { get; init; } = SectionSuspension.SuspendAllResumeTop;

    /// <summary>
    /// CPython: <c>Py_BEGIN_CRITICAL_SECTION2(a, a)</c> is a one-mutex section ("If the two mutex arguments are the same,
    /// treat this as a critical section with a single mutex"). False is a broken design that locks the mutex twice and so
    /// deadlocks on itself (a <c>PyMutex</c> is not recursive).
    /// </summary>
    public bool SameMutexTwiceLocksOnce { get; init; } = true;
}

/// <summary>The order in which a two-object critical section locks its mutexes.</summary>
public enum TwoMutexOrder
{
    /// <summary>
    /// CPython (<c>_PyCriticalSection2_BeginMutex</c>): the lower address first, so that every thread takes any pair in
    /// the same order ("we need to acquire the mutexes in a consistent order to avoid lock ordering deadlocks").
    /// </summary>
    AddressOrder,

    /// <summary>
    /// Broken (MECHANISMS.md A7, <c>cs2-unordered</c>): in argument order. <c>op(x, y)</c> racing <c>op(y, x)</c> takes the
    /// two locks in opposite orders: an AB/BA deadlock.
    /// </summary>
    ArgumentOrder,
}

/// <summary>What detaching (a blocking call) and re-attaching do to the thread's critical sections.</summary>
public enum SectionSuspension
{
    /// <summary>
    /// CPython 3.13: <c>_PyThreadState_Detach</c> unlocks every active section's mutexes and marks them inactive
    /// (<c>_PyCriticalSection_SuspendAll</c>); <c>_PyThreadState_Attach</c> re-locks only the top section's
    /// (<c>_PyCriticalSection_Resume</c>); an outer section is re-locked when the sections above it end.
    /// </summary>
    SuspendAllResumeTop,

    /// <summary>
    /// Broken: straightforward per-object locking. Sections keep their mutexes while the thread blocks, the deadlock the
    /// comment at the top of <c>Include/cpython/critical_section.h</c> describes ("the interaction between locks and
    /// blocking operations can lead to deadlocks in the same way as the interaction between multiple locks").
    /// </summary>
    HeldWhileBlocked,

    /// <summary>
    /// Broken: re-attaching re-locks every suspended section, outermost first, instead of only the top one. Two threads
    /// whose nested sections are in opposite orders then take the same mutexes in opposite orders when they wake.
    /// </summary>
    SuspendAllResumeAll,
}
