using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Mimalloc;

/// <summary>
/// The memory the heaps carve pages from: a flat arena of page-sized slices, claimed one at a time with an atomic add
/// (as mimalloc's arenas claim spans in an atomic bitmap). Slices are never returned to the operating system; a freed
/// page's slice goes to its thread's free list and is reused by its next fresh page.
/// </summary>
/// <remarks>Deviation: no segments, no decommit; see <see cref="MiSlice"/>.</remarks>
public sealed class MiArena
{
    /// <summary>How many slices the arena can hand out in one iteration.</summary>
    public const int MaxSlices = 256;

    private readonly SimRuntime _rt;
    private readonly MiSlice?[] _slices = new MiSlice?[MaxSlices];
    private readonly AtomicInt _next;

    internal MiArena(SimRuntime runtime)
    {
        _rt = runtime;
        _next = new AtomicInt(runtime, "arena.next_slice");
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

    /// <summary>Claims a fresh slice (<c>_mi_arena_alloc</c>).</summary>
    internal MiSlice NewSlice()
    {
        var index = _next.FetchAdd(1);
        _rt.Check(index < MaxSlices, $"the simulated arena is exhausted ({MaxSlices} slices): a scenario allocates without bound");
        var slice = new MiSlice(index);
        Volatile.Write(ref _slices[index], slice);
        return slice;
    }
}
