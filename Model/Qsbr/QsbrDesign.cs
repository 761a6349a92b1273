namespace Sim.Model.Qsbr;

/// <summary>
/// The constants of QSBR and of the delayed-free queue. CPython 3.13's values by default; scenarios may lower them so that
/// goals are reached and queues are processed within the few operations of a scenario, which is a question of when, not
/// of whether, memory is reclaimed: a goal is still always ahead of every thread that was online when it was issued.
/// </summary>
public sealed record QsbrDesign
{
    /// <summary>CPython 3.13.</summary>
    public static QsbrDesign Cpython313 { get; } = new();

    /// <summary>
    /// CPython 3.13 with the write sequence advanced at every deferral and the delayed-free queue processed at every
    /// periodic check: goals become reachable as soon as the other threads pass a quiescent state, so the free paths run
    /// within a scenario. It issues the same goals as <see cref="Cpython313"/> would at its tenth deferral.
    /// </summary>
    public static QsbrDesign EagerReclaim { get; } = new() { DeferredLimit = 1, ProcessDelayedAtPeriodicCheck = true };

    /// <summary>
    /// <c>QSBR_DEFERRED_LIMIT</c> (<c>Python/qsbr.c</c>): <c>_Py_qsbr_deferred_advance</c> advances the write sequence every
    /// this many calls and otherwise returns the next goal without advancing. 10 in CPython.
    /// </summary>
    public int DeferredLimit { get; init; } = 10;

    /// <summary>
    /// <c>WORK_ITEMS_PER_CHUNK</c> (<c>Objects/obmalloc.c</c>): the items of one chunk of a delayed-free queue. A thread
    /// processes its queue when a chunk fills. 254 in CPython (a 4 KiB chunk).
    /// </summary>
    public int WorkItemsPerChunk { get; init; } = 254;

    /// <summary>
    /// Whether the periodic check processes the thread's delayed-free queue (<c>_PyMem_ProcessDelayed</c>). False in 3.13,
    /// where a thread processes its queue when a chunk fills and the GC processes every queue; a later CPython added a periodic
    /// trigger (gh-133136). True stands for "a chunk filled, or a collection ran, at this check".
    /// </summary>
    public bool ProcessDelayedAtPeriodicCheck { get; init; }

    /// <summary>How <c>free_delayed</c> frees.</summary>
    public DelayedFreeProtocol DelayedFree { get; init; } = DelayedFreeProtocol.AfterQsbrGoal;

    /// <summary>
    /// <c>MIN_ARRAY_SIZE</c> (<c>Python/qsbr.c</c>): the slots of the first thread array, which then doubles whenever it is
    /// full. 8 in CPython; a scenario may lower it so that the array grows with a few threads.
    /// </summary>
    public int MinArraySize { get; init; } = 8;

    /// <summary>How <c>_Py_qsbr_reserve</c> grows a full thread array.</summary>
    public ArrayGrowth ArrayGrowth { get; init; } = ArrayGrowth.StopTheWorld;
}

/// <summary>How <c>_Py_qsbr_reserve</c> replaces the full thread array with one twice its size.</summary>
public enum ArrayGrowth
{
    /// <summary>
    /// CPython 3.13 (<c>_Py_qsbr_reserve</c>, <c>Python/qsbr.c</c>: "If there are no free entries, we pause all threads, grow
    /// the array, and update the pointers in PyThreadState to entries in the new array"): under the shared mutex and with
    /// the world stopped (<c>_PyEval_StopTheWorld(interp)</c>), <c>grow_thread_array</c> copies the array, re-points every
    /// <c>tstate-&gt;qsbr</c>, and frees the old array at once (<c>PyMem_RawFree</c>): no thread is attached, and only
    /// attached threads scan (<c>_Py_qsbr_poll</c>) or write their <c>seq</c>.
    /// </summary>
    StopTheWorld,

    /// <summary>
    /// Broken (<c>grow-under-mutex-only</c>, a plausible design the stop prevents): the array is grown and the old one freed
    /// under the shared mutex alone, while attached threads may be scanning the old array or writing their <c>seq</c>
    /// through a <c>tstate-&gt;qsbr</c> that pointed into it.
    /// </summary>
    UnderMutexOnly,
}

/// <summary>What <c>_PyMem_FreeDelayed</c> does with the memory it is given.</summary>
public enum DelayedFreeProtocol
{
    /// <summary>CPython 3.13: queue the pointer with a goal from <c>_Py_qsbr_deferred_advance</c>; free it once the goal is reached.</summary>
    AfterQsbrGoal,

    /// <summary>
    /// Broken (<c>free-immediately</c>, the plain <c>PyMem_Free</c> the seed's "This adds <c>_PyMem_FreeDelayed()</c>"
    /// replaced): free at once, while lock-free readers may still use the memory.
    /// </summary>
    Immediately,
}
