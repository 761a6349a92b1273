using System.Collections.Immutable;
using Sim.Runtime;
using Sim.Runtime.Threads;

namespace Sim.Model.Mimalloc;

/// <summary>
/// What the simulated heap knows of every block, and the memory errors it reports as they happen, each naming the
/// allocation and the threads: a use after free (an access through a pointer whose memory was freed, or whose page now
/// holds something else), a double free, a reuse under a reader (freeing memory that a lock-free reader still holds, see
/// <see cref="PointerHold"/>), and, at the end of an iteration, a leak. Every message starts with <c>memory error:</c> and
/// the kind.
/// </summary>
/// <remarks>
/// The checker is instrumentation, not modelled memory: its state (which allocation a block holds, who holds which
/// pointer) is read and written without scheduling points, at the modelled access it belongs to, and published with
/// volatile accesses so that the checks stay sound on real threads.
/// </remarks>
public sealed class MiHeapChecker
{
    /// <summary>The prefix of every message.</summary>
    public const string MemoryError = "memory error";

    private const int MaxThreads = 256;
    private readonly SimRuntime _rt;
    private readonly ImmutableList<PointerHold>?[] _holds = new ImmutableList<PointerHold>?[MaxThreads];

    internal MiHeapChecker(SimRuntime runtime) => _rt = runtime;

    /// <summary>Every pointer held now.</summary>
    public IEnumerable<PointerHold> HoldsForCheck =>
        Enumerable.Range(0, MaxThreads).SelectMany(i => Volatile.Read(ref _holds[i]) ?? []);

    /// <summary>Registers that the calling thread holds <paramref name="ptr"/> without a reference; dispose to release.</summary>
    public PointerHold Hold(MiPtr ptr, string why)
    {
        ArgumentNullException.ThrowIfNull(ptr);
        var me = _rt.CurrentThread;
        var hold = new PointerHold(this, me, ptr, why);
        ref var mine = ref Slot(me);
        Volatile.Write(ref mine, (Volatile.Read(ref mine) ?? []).Add(hold));
        return hold;
    }

    /// <summary>The holds on <paramref name="block"/>, by any thread.</summary>
    public IEnumerable<PointerHold> HoldersOf(MiBlock block) =>
        HoldsForCheck.Where(h => ReferenceEquals(h.Ptr.Block, block));

    internal void Release(PointerHold hold)
    {
        ref var theirs = ref Slot(hold.Thread);
        Volatile.Write(ref theirs, (Volatile.Read(ref theirs) ?? []).Remove(hold));
    }

    /// <summary>
    /// Checks a read of <paramref name="field"/> through <paramref name="ptr"/>. Reading the header of a freed object whose
    /// page still holds blocks of its size class is allowed (that is what lock-free readers rely on); reading memory whose
    /// page was freed is not, nor is reading raw memory after its free.
    /// </summary>
    public void CheckRead(MiPtr ptr, string field)
    {
        ArgumentNullException.ThrowIfNull(ptr);
        CheckPage(ptr, "reads", field);
        if (!ptr.Allocation.IsObject && !ReferenceEquals(ptr.Block.CurrentForCheck, ptr.Allocation))
        {
            _rt.Fail($"{MemoryError}: use after free: {_rt.CurrentThread} reads {field} of {ptr.Allocation.Describe()}, which {Freed(ptr)}");
        }
    }

    /// <summary>
    /// Checks a write of <paramref name="field"/> through <paramref name="ptr"/>: the block must still hold that allocation.
    /// With <paramref name="allowReused"/>, a write that lands on a new object in the same block is allowed: a conditional
    /// increment through a stale pointer increments whatever object lives there, and <c>_Py_TryIncrefCompare</c> undoes it.
    /// </summary>
    public void CheckWrite(MiPtr ptr, string field, bool allowReused = false)
    {
        ArgumentNullException.ThrowIfNull(ptr);
        CheckPage(ptr, "writes", field);
        var current = ptr.Block.CurrentForCheck;
        if (ReferenceEquals(current, ptr.Allocation) || (allowReused && current is { IsObject: true }))
        {
            return;
        }

        _rt.Fail($"{MemoryError}: use after free: {_rt.CurrentThread} writes {field} of {ptr.Allocation.Describe()}, which {Freed(ptr)}");
    }

    /// <summary>Called when a block is allocated: raw memory must not be handed out while a reader holds a pointer into it.</summary>
    internal void OnAllocate(MiBlock block, MiAllocation allocation, MiAllocation? previous)
    {
        if (allocation.IsObject && previous is not { IsObject: false })
        {
            // An object block reused for an object of the same size class: readers with stale pointers see a valid header.
            return;
        }

        if (HoldersOf(block).FirstOrDefault() is { } hold)
        {
            _rt.Fail($"{MemoryError}: reuse under a reader: {_rt.CurrentThread} reuses block {block.Name} for {allocation.Label} ({allocation.Type?.Name ?? "raw memory"}) while {hold.Thread} still holds a pointer to {hold.Ptr.Allocation.Describe()} ({hold.Why})");
        }
    }

    /// <summary>Called when a block is freed: a double free is fatal, and so is freeing raw memory a reader still holds.</summary>
    internal void OnFree(MiAllocation allocation)
    {
        var block = allocation.Block;
        if (allocation.IsFreed || !ReferenceEquals(block.CurrentForCheck, allocation) || block.Page.IsFreed)
        {
            _rt.Fail($"{MemoryError}: double free: {_rt.CurrentThread} frees {allocation.Describe()}, which {Freed(allocation.Ptr)}");
        }

        if (!allocation.IsObject && HoldersOf(block).FirstOrDefault() is { } hold)
        {
            _rt.Fail($"{MemoryError}: reuse under a reader: {_rt.CurrentThread} frees {allocation.Describe()} while {hold.Thread} still holds a pointer to it ({hold.Why})");
        }
    }

    /// <summary>Called when a page is freed: its memory may now hold anything, so no reader may hold a pointer into it.</summary>
    internal void OnPageFree(MiPage page)
    {
        foreach (var block in page.Blocks)
        {
            if (block.CurrentForCheck is { } live)
            {
                _rt.Fail($"{MemoryError}: {_rt.CurrentThread} frees {page.Describe()} while it holds live {live.Describe()}");
            }

            if (HoldersOf(block).FirstOrDefault() is { } hold)
            {
                _rt.Fail($"{MemoryError}: reuse under a reader: {_rt.CurrentThread} frees {page.Describe()}, so its memory can hold another size class or heap, while {hold.Thread} still holds a pointer to {hold.Ptr.Allocation.Describe()} ({hold.Why})");
            }
        }
    }

    /// <summary>
    /// The end-of-iteration check: every block still allocated is a leak, unless it is waiting in a delayed-free queue
    /// (<paramref name="pendingFrees"/>) or the program declares it alive (<paramref name="alive"/>).
    /// </summary>
    public void CheckNoLeaks(MiArena arena, IEnumerable<MiPtr> pendingFrees, IEnumerable<MiPtr>? alive = null)
    {
        ArgumentNullException.ThrowIfNull(arena);
        var excused = new HashSet<MiAllocation>(pendingFrees.Concat(alive ?? []).Select(p => p.Allocation));
        foreach (var slice in arena.SlicesForCheck)
        {
            if (slice.Page is not { } page)
            {
                continue;
            }

            foreach (var block in page.Blocks)
            {
                if (block.CurrentForCheck is { } live && !excused.Contains(live))
                {
                    var owner = page.Heap is { } h ? $"the {h.Tag.Describe()} heap of {h.Owner.TState}" : "an abandoned page";
                    var header = live.IsObject
                        ? $": ob_tid={block.ObTid.Peek()}, ob_ref_local={unchecked((uint)block.ObRefLocal.Peek())}, ob_ref_shared={Objects.RefcountBits.Describe(block.ObRefShared.Peek())}, true refcount {Objects.RefcountBits.TrueRefcount(unchecked((uint)block.ObRefLocal.Peek()), block.ObRefShared.Peek())}"
                        : string.Empty;
                    _rt.Fail($"{MemoryError}: leak: {live.Describe()} is still allocated at the end, in {owner}{header}");
                }
            }
        }
    }

    private void CheckPage(MiPtr ptr, string verb, string field)
    {
        var page = ptr.Block.Page;
        if (page.IsFreed)
        {
            var now = page.Slice.Page is { } p ? $"; its memory now belongs to {p.Describe()}" : string.Empty;
            _rt.Fail($"{MemoryError}: use after free: {_rt.CurrentThread} {verb} {field} of {ptr.Allocation.Describe()}, but {page.FreedBy} freed its {page.Describe()}{now}");
        }
    }

    private static string Freed(MiPtr ptr)
    {
        var a = ptr.Allocation;
        var what = a.FreedBy is { } by ? $"{by} freed" : "is not allocated";
        return ptr.Block.CurrentForCheck is { } now && !ReferenceEquals(now, a)
            ? $"{what}; the block now holds {now.Label} ({now.Type?.Name ?? "raw memory"}, allocated by {now.AllocatedBy})"
            : what;
    }

    private ref ImmutableList<PointerHold>? Slot(SimThread thread)
    {
        _rt.Check(thread.Id < MaxThreads, $"{thread}: the heap checker tracks at most {MaxThreads} threads");
        return ref _holds[thread.Id];
    }
}
