using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Mimalloc;

/// <summary>
/// The interpreter's pool of abandoned pages (<c>interp-&gt;mimalloc.abandoned_pool</c>, gh-112532 "Isolate abandoned
/// segments by interpreter"): pages of exited threads that still hold blocks or wait for a QSBR goal, kept per tag so
/// that a heap reclaims only pages of its own tag; and the free slices the exited threads leave behind. Both are
/// lock-free stacks, as mimalloc's abandoned list is.
/// </summary>
/// <remarks>Deviation: pages rather than whole segments are abandoned and reclaimed.</remarks>
public sealed class MiAbandonedPool
{
    private readonly AtomicRef<MiStack<MiPage>>[] _pages;
    private readonly AtomicRef<MiStack<MiSlice>> _freeSlices;

    internal MiAbandonedPool(SimRuntime runtime)
    {
        _pages = [.. Enumerable.Range(0, MiHeapTags.Count)
            .Select(t => new AtomicRef<MiStack<MiPage>>(runtime, $"abandoned_pool[{((MiHeapTag)t).Describe()}]", new MiStack<MiPage>()))];
        _freeSlices = new AtomicRef<MiStack<MiSlice>>(runtime, "abandoned_pool.free_slices", new MiStack<MiSlice>());
    }

    /// <summary>Every abandoned page (for checks and reports).</summary>
    public IEnumerable<MiPage> PagesForCheck => _pages.SelectMany(p => p.Peek()!.Items);

    /// <summary>Abandons a page (<c>_mi_segment_page_abandon</c>).</summary>
    internal void Push(MiPage page) => Push(_pages[(int)page.Tag], page);

    /// <summary>Takes an abandoned page with <paramref name="tag"/> to reclaim, or null.</summary>
    internal MiPage? TryPop(MiHeapTag tag) => TryPop(_pages[(int)tag]);

    /// <summary>Takes every abandoned page, of every tag (<c>mi_abandoned_pop</c> until the pool is empty).</summary>
    internal List<MiPage> TakeAll()
    {
        var pages = new List<MiPage>();
        foreach (var stack in _pages)
        {
            while (TryPop(stack) is { } page)
            {
                pages.Add(page);
            }
        }

        return pages;
    }

    /// <summary>Takes any abandoned page, whatever its tag (the broken <see cref="ReclaimPolicy.AnyTag"/>), or null.</summary>
    internal MiPage? TryPopAny()
    {
        foreach (var stack in _pages)
        {
            if (TryPop(stack) is { } page)
            {
                return page;
            }
        }

        return null;
    }

    /// <summary>Leaves an exited thread's free slice for others.</summary>
    internal void PushFreeSlice(MiSlice slice) => Push(_freeSlices, slice);

    /// <summary>Takes a free slice an exited thread left, or null.</summary>
    internal MiSlice? TryPopFreeSlice() => TryPop(_freeSlices);

    private static void Push<T>(AtomicRef<MiStack<T>> stack, T item)
        where T : class
    {
        var head = stack.Load(MemoryOrder.Relaxed);
        while (!stack.CompareExchange(ref head, head!.Push(item)))
        {
        }
    }

    private static T? TryPop<T>(AtomicRef<MiStack<T>> stack)
        where T : class
    {
        var head = stack.Load(MemoryOrder.Acquire);
        while (!head!.IsEmpty)
        {
            if (stack.CompareExchange(ref head, head.Pop(out var item)))
            {
                return item;
            }
        }

        return null;
    }
}
