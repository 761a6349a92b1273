using Sim.Model.Interpreter;
using Sim.Runtime.Cells;

namespace Sim.Model.Mimalloc;

/// <summary>
/// <c>struct _mimalloc_thread_state</c> (<c>tstate-&gt;mimalloc</c>, <c>Include/internal/pycore_mimalloc.h</c>, 3.13): the
/// thread's four tagged heaps sharing one <c>mi_tld_t</c>, the heap objects are allocated from, the list of empty pages
/// waiting for a QSBR goal (<c>page_list</c>), and <c>initialized</c>. Bound by <c>tstate_mimalloc_bind</c>
/// (<c>Python/pystate.c</c>); abandoned at thread exit by <c>_PyThreadState_ClearMimallocHeaps</c>.
/// </summary>
/// <remarks>
/// Deviation: bound when the thread state is created, not when the thread first runs (no thread state is shared between OS
/// threads here). One OS thread may run in several interpreters, with a thread state, and so a mimalloc state, in each
/// (<see cref="Bind"/>).
/// </remarks>
public sealed class MimallocThreadState
{
    private readonly MiHeap[] _heaps;

    internal MimallocThreadState(MimallocInterpState interp, PyThreadState tstate)
    {
        Interp = interp;
        TState = tstate;
        _heaps = [.. Enumerable.Range(0, MiHeapTags.Count).Select(t => new MiHeap(this, (MiHeapTag)t))];
        CurrentObjectHeap = _heaps[(int)MiHeapTag.Object];
        Initialized = new AtomicInt(interp.Runtime, $"{tstate}.mimalloc.initialized");
        Initialized.Store(1);
        Segments = new MiSegmentsTld(this);
    }

    /// <summary>The interpreter's mimalloc state.</summary>
    public MimallocInterpState Interp { get; }

    /// <summary>
    /// <c>tstate_mimalloc_bind</c> (<c>Python/pystate.c</c>, 3.13): the thread state's own heaps and tld, bound to
    /// <paramref name="interp"/>'s abandoned pool. The broken <see cref="ThreadHeapScope.PerOsThread"/> design gives a
    /// thread state of an OS thread that already runs in another interpreter that thread's heaps instead.
    /// </summary>
    internal static MimallocThreadState Bind(MimallocInterpState interp, PyThreadState tstate)
    {
        if (interp.Design.ThreadHeaps == ThreadHeapScope.PerOsThread
            && tstate.Thread.ModelState is PyThreadState { Mimalloc: { IsAbandoned: false } osThreadHeaps } other
            && !ReferenceEquals(other, tstate))
        {
            return osThreadHeaps;
        }

        return new MimallocThreadState(interp, tstate);
    }

    /// <summary>The thread state.</summary>
    public PyThreadState TState { get; }

    /// <summary><c>heaps[_Py_MIMALLOC_HEAP_COUNT]</c>.</summary>
    public IReadOnlyList<MiHeap> Heaps => _heaps;

    /// <summary><c>current_object_heap</c>: the OBJECT heap; <c>_PyObject_GC_New</c> uses a GC heap instead.</summary>
    public MiHeap CurrentObjectHeap { get; }

    /// <summary><c>initialized</c>: set with an atomic store once the heaps are ready; the GC skips heaps that are not.</summary>
    public AtomicInt Initialized { get; }

    /// <summary><c>page_list</c>: empty pages waiting for their QSBR goal, oldest first (owner only).</summary>
    public LinkedList<MiPage> PageList { get; } = new();

    /// <summary><c>tld-&gt;segments</c>: the segments the thread owns, which its four heaps carve their pages from (owner only).</summary>
    internal MiSegmentsTld Segments { get; }

    /// <summary>True once the heaps were abandoned at thread exit.</summary>
    public bool IsAbandoned { get; private set; }

    /// <summary>The heap with <paramref name="tag"/>.</summary>
    public MiHeap Heap(MiHeapTag tag) => _heaps[(int)tag];

    /// <summary>
    /// <c>_PyThreadState_ClearMimallocHeaps</c>: abandons every heap (<c>_mi_heap_collect_abandon</c>), so that the pages
    /// that still hold blocks, or wait for their goal, can be reclaimed by other threads with their segments (each segment
    /// goes to the pool as its last page in use is abandoned, with its free slices); then <c>_mi_abandoned_collect</c>
    /// frees the abandoned pages of the pool that are empty and safe, and the segments left empty
    /// (<see cref="MiSegmentAbandon.AbandonedCollect"/>).
    /// </summary>
    public void Abandon()
    {
        using var _ = Interp.Runtime.Enter("_PyThreadState_ClearMimallocHeaps");
        foreach (var heap in _heaps)
        {
            heap.CollectAbandon();
        }

        Interp.Runtime.Check(Segments.HasNoSpans, $"{TState}: a segment is neither freed nor abandoned after its heaps were");
        MiSegmentAbandon.AbandonedCollect(_heaps[(int)MiHeapTag.Mem]);
        IsAbandoned = true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"mimalloc state of {TState}";
}
