using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Mimalloc;

/// <summary>
/// The interpreter's pool of abandoned segments (<c>mi_abandoned_pool_t</c>, <c>interp-&gt;mimalloc.abandoned_pool</c>,
/// gh-112532 "Isolate abandoned segments by interpreter"; <c>Objects/mimalloc/segment.c</c>, 3.13): the segments whose
/// pages are all abandoned (<c>abandoned</c>), and those a thread looked at and left (<c>abandoned_visited</c>), which go
/// back to the first list when it is found empty (<c>mi_abandoned_visited_revisit</c>). Both are lock-free stacks.
/// </summary>
/// <remarks>
/// Deviation: the stacks are immutable values swapped in with a CAS, so there is no ABA and no tagged pointer or reader
/// count (<c>abandoned_readers</c>, which only guards decommit).
/// </remarks>
public sealed class MiAbandonedPool
{
    private readonly AtomicRef<MiStack<MiSegment>> _abandoned;
    private readonly AtomicRef<MiStack<MiSegment>> _visited;

    internal MiAbandonedPool(SimRuntime runtime, long interpId)
    {
        var name = interpId == 0 ? "abandoned_pool" : $"interp{interpId}.abandoned_pool";
        _abandoned = new AtomicRef<MiStack<MiSegment>>(runtime, $"{name}.abandoned", new MiStack<MiSegment>());
        _visited = new AtomicRef<MiStack<MiSegment>>(runtime, $"{name}.abandoned_visited", new MiStack<MiSegment>());
    }

    /// <summary>Every abandoned segment, on either list (for checks and reports).</summary>
    public IEnumerable<MiSegment> SegmentsForCheck => _abandoned.Peek()!.Items.Concat(_visited.Peek()!.Items);

    /// <summary>Every page of an abandoned segment (for checks and reports, and the GC's <c>_mi_abandoned_pool_visit_blocks</c>).</summary>
    public IEnumerable<MiPage> PagesForCheck => SegmentsForCheck.SelectMany(s => s.Pages);

    /// <summary><c>mi_abandoned_push</c>.</summary>
    internal void Push(MiSegment segment) => Push(_abandoned, segment);

    /// <summary><c>mi_abandoned_visited_push</c>.</summary>
    internal void VisitedPush(MiSegment segment) => Push(_visited, segment);

    /// <summary>
    /// <c>mi_abandoned_pop</c>: the top of <c>abandoned</c>; if it is empty, the visited list is moved onto it first
    /// (<c>mi_abandoned_visited_revisit</c>). Null if both are empty.
    /// </summary>
    internal MiSegment? Pop()
    {
        if (_abandoned.Load(MemoryOrder.Relaxed)!.IsEmpty && !VisitedRevisit())
        {
            return null;
        }

        var head = _abandoned.Load(MemoryOrder.Acquire);
        while (!head!.IsEmpty)
        {
            if (_abandoned.CompareExchange(ref head, head.Pop(out var segment), MemoryOrder.AcquireRelease))
            {
                return segment;
            }
        }

        return null;
    }

    /// <summary><c>mi_abandoned_visited_revisit</c>: takes the whole visited list and puts it on top of <c>abandoned</c>.</summary>
    private bool VisitedRevisit()
    {
        if (_visited.Load(MemoryOrder.Relaxed)!.IsEmpty)
        {
            return false;
        }

        var first = _visited.Exchange(new MiStack<MiSegment>(), MemoryOrder.AcquireRelease)!;
        if (first.IsEmpty)
        {
            return false;
        }

        var head = _abandoned.Load(MemoryOrder.Relaxed);
        while (true)
        {
            var merged = head!;
            foreach (var segment in first.Items.Reverse())
            {
                merged = merged.Push(segment);
            }

            if (_abandoned.CompareExchange(ref head, merged, MemoryOrder.Release))
            {
                return true;
            }
        }
    }

    private static void Push(AtomicRef<MiStack<MiSegment>> stack, MiSegment segment)
    {
        var head = stack.Load(MemoryOrder.Relaxed);
        while (!stack.CompareExchange(ref head, head!.Push(segment), MemoryOrder.Release))
        {
        }
    }
}
