using System.Collections.Immutable;
using Sim.Runtime;
using Sim.Runtime.Threads;

namespace Sim.Model.Mimalloc;

/// <summary>
/// What the simulated heap knows of every block, and the memory errors it reports as they happen, each naming the
/// allocation and the threads: a use after free (an access through a pointer whose memory was freed, or whose page now
/// holds something else), a double free, a reuse under a reader (freeing memory that a lock-free reader still holds, see
/// <see cref="PointerHold"/>), and, at the end of an iteration, a leak. Every message starts with <c>memory error:</c> and
/// the kind. Every read or write of freed memory is reported, except the type-stable header reads of lock-free readers
/// (<see cref="CheckRead"/>); a read of a body word that the allocation never wrote is an <c>uninitialised read</c>
/// unless the allocation was zeroed (<see cref="MiAllocation.Zeroed"/>). See <c>docs/memory-checker.md</c>.
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

    private readonly Func<bool> _isQsbrOnline;

    internal MiHeapChecker(SimRuntime runtime, Func<bool> isQsbrOnline)
    {
        _rt = runtime;
        _isQsbrOnline = isQsbrOnline;
    }

    /// <summary>The body of the block <paramref name="ptr"/> points to, for checked reads and writes of its words.</summary>
    public MiBody Body(MiPtr ptr) => new(this, ptr);

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
    /// Checks a read of <paramref name="field"/> through <paramref name="ptr"/>: the block must still hold that allocation,
    /// and its page must not have been freed. The one exception is a <paramref name="typeStable"/> read
    /// (<see cref="IsTypeStableRead"/>).
    /// </summary>
    public void CheckRead(MiPtr ptr, string field, bool typeStable = false)
    {
        ArgumentNullException.ThrowIfNull(ptr);
        CheckPage(ptr, "reads", field);
        if (ReferenceEquals(ptr.Block.CurrentForCheck, ptr.Allocation) || (typeStable && IsTypeStableRead(ptr, field)))
        {
            return;
        }

        _rt.Fail($"{MemoryError}: use after free: {_rt.CurrentThread} reads {field} of {ptr.Allocation.Describe()}, which {Freed(ptr)}");
    }

    /// <summary>
    /// Checks a write of <paramref name="field"/> through <paramref name="ptr"/>: the block must still hold that allocation.
    /// With <paramref name="typeStable"/>, a write that lands on a new object in the same block is allowed: a conditional
    /// increment through a stale pointer increments whatever object lives there, and <c>_Py_TryIncrefCompare</c> undoes it.
    /// </summary>
    public void CheckWrite(MiPtr ptr, string field, bool typeStable = false)
    {
        ArgumentNullException.ThrowIfNull(ptr);
        CheckPage(ptr, "writes", field);
        var current = ptr.Block.CurrentForCheck;
        if (ReferenceEquals(current, ptr.Allocation) || (typeStable && current is { IsObject: true }))
        {
            return;
        }

        _rt.Fail($"{MemoryError}: use after free: {_rt.CurrentThread} writes {field} of {ptr.Allocation.Describe()}, which {Freed(ptr)}");
    }

    /// <summary>
    /// The documented exception to "a read of freed memory is a finding" (<c>docs/memory-checker.md</c>): a lock-free
    /// reader's load of an object header (<c>ob_tid</c>, <c>ob_ref_local</c>, <c>ob_ref_shared</c>) through a pointer it loaded
    /// without a reference, in <c>_Py_TryIncrefFast</c> / <c>_Py_TryIncRefShared</c>, which <c>_Py_TryIncrefCompare</c> then
    /// re-checks against the source (<c>Include/internal/pycore_object.h</c>, 3.13). CPython makes that read safe, not
    /// valid: the block may be freed or hold another object, but while the reader is attached (QSBR online) an object page
    /// of a QSBR heap is not freed (<c>_PyMem_mi_page_maybe_free</c>), so the memory is still an object header of the same
    /// size class, whose refcount fields mimalloc's free leaves intact. The read is allowed only under exactly those
    /// conditions: an object, on a page of a heap with <c>page_use_qsbr</c>, by a thread that is QSBR-online; otherwise it
    /// is reported as a use after free.
    /// </summary>
    private bool IsTypeStableRead(MiPtr ptr, string field)
    {
        if (!ptr.Allocation.IsObject || !ptr.Block.Page.UseQsbr)
        {
            return false;
        }

        if (!_isQsbrOnline())
        {
            _rt.Fail($"{MemoryError}: use after free: {_rt.CurrentThread} reads {field} of {ptr.Allocation.Describe()}, which {Freed(ptr)}, while it is not QSBR-online: nothing keeps the page from being freed under the read");
        }

        return true;
    }

    /// <summary>
    /// Checks a read of body word <paramref name="word"/> through <paramref name="ptr"/> (as a pointer if
    /// <paramref name="asPointer"/>): the read must be valid (<see cref="CheckRead"/>), and the word must have been
    /// written by this allocation, as the same kind, or zeroed for it (<see cref="MiBlock.ZeroBody"/>).
    /// </summary>
    internal void CheckWordRead(MiPtr ptr, MiWord word, bool asPointer, string field)
    {
        CheckRead(ptr, field);
        var allocation = ptr.Allocation;
        if (ReferenceEquals(word.WrittenBy, allocation))
        {
            var expected = asPointer ? MiWordKind.Pointer : MiWordKind.Integer;
            if (word.Kind != expected && word.Kind != MiWordKind.Zero)
            {
                _rt.Fail($"{MemoryError}: uninitialised read: {_rt.CurrentThread} reads {field} of {allocation.Describe()} as {(asPointer ? "a pointer" : "an integer")}, but it was last written as {(asPointer ? "an integer" : "a pointer")}");
            }

            return;
        }

        if (!allocation.Zeroed)
        {
            _rt.Fail($"{MemoryError}: uninitialised read: {_rt.CurrentThread} reads {field} of {allocation.Describe()}, which nothing wrote since it was allocated: mimalloc hands the block out holding whatever it held before");
        }
    }

    /// <summary>Checks a write of body word <paramref name="word"/> through <paramref name="ptr"/> and records it.</summary>
    internal void CheckWordWrite(MiPtr ptr, MiWord word, bool asPointer, string field)
    {
        CheckWrite(ptr, field);
        word.RecordWrite(ptr.Allocation, asPointer);
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
    internal void OnPageFree(MiPage page, string via)
    {
        foreach (var block in page.Blocks)
        {
            if (block.CurrentForCheck is { } live)
            {
                _rt.Fail($"{MemoryError}: {_rt.CurrentThread} frees {page.Describe()} in {via} while it holds live {live.Describe()}");
            }

            if (HoldersOf(block).FirstOrDefault() is { } hold)
            {
                _rt.Fail($"{MemoryError}: reuse under a reader: {_rt.CurrentThread} frees {page.Describe()} in {via}, so its memory can hold another size class or heap, while {hold.Thread} still holds a pointer to {hold.Ptr.Allocation.Describe()} ({hold.Why})");
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
                        ? $": ob_tid={block.ObTid.Peek()}, ob_ref_local={block.ObRefLocal.Peek()}, ob_ref_shared={Objects.RefcountBits.Describe(block.ObRefShared.Peek())}, true refcount {Objects.RefcountBits.TrueRefcount(block.ObRefLocal.Peek(), block.ObRefShared.Peek())}"
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
