using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Mimalloc;

/// <summary>
/// The memory segments are carved from (mimalloc's arenas, <c>Objects/mimalloc/arena.c</c>): a flat run of page-sized
/// slices, claimed a segment at a time with an atomic add (as <c>_mi_arena_alloc</c> claims a span in an atomic bitmap),
/// and a lock-free stack of freed segments (<c>_mi_arena_free</c>), whose memory the next <c>mi_segment_alloc</c> of any
/// thread of the interpreter takes first.
/// </summary>
/// <remarks>
/// Deviations: no decommit and no segment cache; a freed segment is reused last freed, first reused, and its memory is
/// never returned to the operating system; the arena is per interpreter (mimalloc's are per process), which keeps the
/// isolation check about pages and segments rather than about raw memory.
/// </remarks>
public sealed class MiArena
{
    /// <summary>How many slices the arena can hand out in one iteration.</summary>
    public const int MaxSlices = 1024;

    private readonly SimRuntime _rt;
    private readonly MimallocInterpState _interp;
    private readonly MiSlice?[] _slices = new MiSlice?[MaxSlices];
    private readonly AtomicInt _next;
    private readonly AtomicRef<MiStack<MiSegment>> _freed;

    internal MiArena(MimallocInterpState interp)
    {
        _interp = interp;
        _rt = interp.Runtime;
        _next = new AtomicInt(_rt, "arena.next_slice");
        _freed = new AtomicRef<MiStack<MiSegment>>(_rt, "arena.freed_segments", new MiStack<MiSegment>());
    }

    /// <summary>Every slice claimed so far (for checks and reports).</summary>
    public IEnumerable<MiSlice> SlicesForCheck
    {
        get
        {
            var n = Math.Min(_next.Peek(), MaxSlices);
            for (var i = 0; i < n; i++)
            {
                if (Volatile.Read(ref _slices[i]) is { } s)
                {
                    yield return s;
                }
            }
        }
    }

    /// <summary>
    /// The memory of a new segment (<c>mi_segment_os_alloc</c> → <c>_mi_arena_alloc</c>): a freed segment if there is one,
    /// else <see cref="MimallocDesign.SegmentSlices"/> fresh slices.
    /// </summary>
    internal MiSegment AllocSegment()
    {
        var head = _freed.Load(MemoryOrder.Acquire);
        while (!head!.IsEmpty)
        {
            if (_freed.CompareExchange(ref head, head.Pop(out var reused)))
            {
                reused.IsFreed = false;
                return reused;
            }
        }

        var count = _interp.Design.SegmentSlices;
        var first = _next.FetchAdd(count);
        _rt.Check(first + count <= MaxSlices, $"the simulated arena is exhausted ({MaxSlices} slices): a scenario allocates without bound");
        var slices = new MiSlice[count];
        for (var i = 0; i < count; i++)
        {
            slices[i] = new MiSlice(first + i);
        }

        var segment = new MiSegment(_interp, first / count, slices);
        foreach (var slice in slices)
        {
            slice.Segment = segment;
            Volatile.Write(ref _slices[slice.Index], slice);
        }

        return segment;
    }

    /// <summary><c>mi_segment_os_free</c> → <c>_mi_arena_free</c>: the segment's memory is free for any thread's next segment.</summary>
    internal void FreeSegment(MiSegment segment)
    {
        segment.IsFreed = true;
        var head = _freed.Load(MemoryOrder.Relaxed);
        while (!_freed.CompareExchange(ref head, head!.Push(segment), MemoryOrder.Release))
        {
        }
    }
}
