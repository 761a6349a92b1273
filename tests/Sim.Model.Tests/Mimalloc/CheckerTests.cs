using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Runtime.Stress;
using Sim.Testing;

namespace Sim.Model.Tests.Mimalloc;

/// <summary>
/// The checker on its own (docs/memory-checker.md): a read of freed memory is a finding; a lock-free reader's
/// type-stable header read is not; a read of a word nothing wrote is a finding unless the allocation was zeroed. Each
/// claim under exploration and on real threads.
/// </summary>
public class CheckerTests
{
    [Fact]
    public void ReadOfAFreedObjectsHeader_IsAUseAfterFree()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var o = interp.Objects.New(MemoryKit.Type(), "o");
        interp.Refcount.DecRef(o); // freed; its page waits for a goal, so the header is still an object header

        var e = Assert.Throws<InvariantViolationException>(() => interp.Objects.Header(o).LoadShared(MemoryOrder.Relaxed));
        Assert.Contains("use after free: T1(main) reads ob_ref_shared of o", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadOfAFreedObjectsBody_IsAUseAfterFree()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var o = interp.Objects.New(MemoryKit.Type(48), "o");
        interp.Mimalloc.Checker.Body(o).StoreInt(0, 7);
        interp.Refcount.DecRef(o);

        var e = Assert.Throws<InvariantViolationException>(() => interp.Mimalloc.Checker.Body(o).LoadInt(0));
        Assert.Contains("use after free", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TypeStableRead_OfAFreedHeader_ByAnAttachedReader_IsAllowed()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var o = interp.Objects.New(MemoryKit.Type(), "o");
        interp.Refcount.DecRef(o);

        var p = o;
        Assert.False(interp.Refcount.TryIncref(ref p)); // reads the freed header: the documented exception; it sees a dead count
    }

    [Fact]
    public void TypeStableRead_ByADetachedReader_IsReported()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var o = interp.Objects.New(MemoryKit.Type(), "o");
        interp.Refcount.DecRef(o);
        interp.MainThreadState.Detach(); // QSBR offline: nothing keeps the page from being freed

        var p = o;
        var e = Assert.Throws<InvariantViolationException>(() => interp.Refcount.TryIncref(ref p));
        Assert.Contains("not QSBR-online", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TypeStableRead_OfRawMemory_IsReported()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var raw = interp.Mem.Calloc(4, 8, "raw");
        interp.Mem.Free(raw);

        var e = Assert.Throws<InvariantViolationException>(() => interp.Mimalloc.Checker.CheckRead(raw, "word 0", typeStable: true));
        Assert.Contains("use after free", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadOfAMallocedWordNeverWritten_IsAnUninitialisedRead()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var raw = interp.Mem.Malloc(32, "raw");
        interp.Mem.Body(raw).StoreInt(0, 1);

        Assert.Equal(1, interp.Mem.Body(raw).LoadInt(0));
        var e = Assert.Throws<InvariantViolationException>(() => interp.Mem.Body(raw).LoadPtr(1));
        Assert.Contains("uninitialised read: T1(main) reads word 1 of raw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReusedBlock_HoldsGarbage_UntilTheNewAllocationWritesIt()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var keep = interp.Mem.Malloc(32, "keep"); // keeps the page alive, so the next block is the freed one
        var first = interp.Mem.Malloc(32, "first");
        interp.Mem.Body(first).StoreInt(2, 42);
        interp.Mem.Free(first);
        var second = interp.Mem.Malloc(32, "second");

        Assert.Same(first.Block, second.Block);
        Assert.Equal(42, second.Block.Word(2).Int.Peek()); // the old value is still there...
        var e = Assert.Throws<InvariantViolationException>(() => interp.Mem.Body(second).LoadInt(2)); // ...and is garbage
        Assert.Contains("uninitialised read", e.Message, StringComparison.Ordinal);
        interp.Mem.Free(second);
        interp.Mem.Free(keep);
    }

    [Fact]
    public void ReadOfACallocedWordNeverWritten_ReadsZero_AndIsNotReported()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var keep = interp.Mem.Malloc(32, "keep");
        var first = interp.Mem.Malloc(32, "first");
        interp.Mem.Body(first).StoreInt(2, 42);
        interp.Mem.Body(first).StorePtr(3, keep);
        interp.Mem.Free(first);
        var zeroed = interp.Mem.Calloc(4, 8, "zeroed");

        Assert.Same(first.Block, zeroed.Block);
        Assert.Equal(0, interp.Mem.Body(zeroed).LoadInt(2));
        Assert.Null(interp.Mem.Body(zeroed).LoadPtr(3));
        Assert.Null(interp.Mem.Body(zeroed).LoadPtr(1));
        interp.Mem.Free(zeroed);
        interp.Mem.Free(keep);
        interp.CheckNoLeaks();
    }

    [Fact]
    public void GenericAllocObject_ReadsZero_WhileAPyObjectNewBody_IsGarbage()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var type = MemoryKit.Type(48);
        var zeroed = interp.Objects.GenericAlloc(type, "zeroed");
        var plain = interp.Objects.New(type, "plain");

        Assert.Null(interp.Mimalloc.Checker.Body(zeroed).LoadPtr(1));
        var e = Assert.Throws<InvariantViolationException>(() => interp.Mimalloc.Checker.Body(plain).LoadPtr(1));
        Assert.Contains("uninitialised read", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WordOfTheWrongKind_IsReported()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var raw = interp.Mem.Malloc(16, "raw");
        interp.Mem.Body(raw).StoreInt(0, 1);

        var e = Assert.Throws<InvariantViolationException>(() => interp.Mem.Body(raw).LoadPtr(0));
        Assert.Contains("last written as an integer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WordBeyondTheBlock_IsOutOfBounds()
    {
        var interp = MemoryKit.Interp(SimRuntime.CreateProduction());
        var raw = interp.Mem.Malloc(16, "raw");

        var e = Assert.Throws<InvariantViolationException>(() => interp.Mem.Body(raw).StoreInt(2, 1));
        Assert.Contains("out of bounds", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BorrowedReaderRacingTheLastDecref_ReadsAFreedHeader_UnderExploration() =>
        Exploring.FindsBug(rt => BorrowedReader(rt, typeStable: false), "use after free");

    [Fact]
    public void TryIncrefCompareReaderRacingTheLastDecref_StaysClean_UnderExploration() =>
        Exploring.StaysClean(rt => BorrowedReader(rt, typeStable: true));

    [Fact]
    public void TryIncrefCompareReaderRacingTheLastDecref_StaysClean_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => BorrowedReader(rt, typeStable: true), runs: 200);

    [Fact]
    public void BorrowedReaderAfterTheLastDecref_IsReported_OnRealThreads() =>
        FailsOnRealThreads(rt => BorrowedReader(rt, typeStable: false, readerAfterFree: true), "use after free");

    [Fact]
    public void PublishedBeforeInitialised_IsFound_UnderExploration() =>
        Exploring.FindsBug(rt => Publication(rt, Publish.BeforeInitialising), "uninitialised read");

    [Fact]
    public void InitialisedThenPublished_StaysClean_UnderExploration() =>
        Exploring.StaysClean(rt => Publication(rt, Publish.AfterInitialising));

    [Fact]
    public void CallocedThenPublished_StaysClean_UnderExploration() =>
        Exploring.StaysClean(rt => Publication(rt, Publish.Calloced));

    [Fact]
    public void InitialisedOrCallocedThenPublished_StaysClean_OnRealThreads()
    {
        Exploring.RunsCleanOnRealThreads(rt => Publication(rt, Publish.AfterInitialising), runs: 200);
        Exploring.RunsCleanOnRealThreads(rt => Publication(rt, Publish.Calloced), runs: 200);
    }

    [Fact]
    public void ReadOfAMallocedWordNeverWritten_IsReported_OnRealThreads() =>
        FailsOnRealThreads(rt => Publication(rt, Publish.NeverInitialised), "uninitialised read");

    private enum Publish
    {
        BeforeInitialising,
        AfterInitialising,
        Calloced,
        NeverInitialised,
    }

    /// <summary>
    /// The main thread owns an object in a holder's slot and drops it; a reader loads the slot without a reference and
    /// either takes one with <c>_Py_TryIncrefCompare</c> (type-stable) or, broken, with a plain <c>Py_INCREF</c> of the
    /// borrowed pointer.
    /// </summary>
    private static void BorrowedReader(SimRuntime rt, bool typeStable, bool readerAfterFree = false)
    {
        var interp = MemoryKit.Interp(rt);
        var refs = interp.Refcount;
        var holder = interp.Objects.New(new PyTypeObject("holder", 48), "holder");
        var slot = new PySlot(holder, 0, interp.Mimalloc.Checker);
        var item = interp.Objects.New(MemoryKit.Type(), "item");
        refs.SetMaybeWeakref(item);
        slot.Store(item);
        void Read(PyThreadState ts)
        {
            if (typeStable)
            {
                if (refs.TryXGetRef(slot) is { } got)
                {
                    refs.DecRef(got);
                }

                return;
            }

            if (slot.Load() is { } borrowed)
            {
                refs.IncRef(borrowed); // Py_INCREF of a borrowed pointer: the object may be gone
                refs.DecRef(borrowed);
            }
        }

        if (readerAfterFree)
        {
            var borrowed = slot.Load()!;
            slot.Store(null);
            refs.DecRef(item);
            var late = MemoryKit.Start(rt, interp, "reader", _ => refs.IncRef(borrowed));
            MemoryKit.Join(interp, late);
            refs.DecRef(holder);
            return;
        }

        var reader = MemoryKit.Start(rt, interp, "reader", Read);
        var old = slot.Load()!;
        slot.Store(null);
        refs.DecRef(old);
        MemoryKit.Join(interp, reader);
        refs.DecRef(holder);
        interp.CheckNoLeaks();
    }

    /// <summary>A writer allocates raw memory and publishes it through a shared pointer; a reader reads its first word.</summary>
    private static void Publication(SimRuntime rt, Publish how)
    {
        var interp = MemoryKit.Interp(rt);
        var shared = new AtomicRef<MemPtr>(rt, "published");
        var writer = MemoryKit.Start(rt, interp, "writer", _ =>
        {
            var p = how == Publish.Calloced ? interp.Mem.Calloc(2, 8, "record") : interp.Mem.Malloc(16, "record");
            if (how == Publish.AfterInitialising)
            {
                interp.Mem.Body(p).StoreInt(0, 42);
            }

            shared.Store(p, MemoryOrder.Release);
            if (how == Publish.BeforeInitialising)
            {
                interp.Mem.Body(p).StoreInt(0, 42);
            }
        });
        if (how == Publish.NeverInitialised)
        {
            MemoryKit.Join(interp, writer);
        }

        if (shared.Load(MemoryOrder.Acquire) is { } seen)
        {
            var value = interp.Mem.Body(seen).LoadInt(0);
            rt.Check(value is 0 or 42, $"read {value}");
        }

        if (how != Publish.NeverInitialised)
        {
            MemoryKit.Join(interp, writer);
        }

        interp.Mem.Free(shared.Peek()!);
        interp.CheckNoLeaks();
    }

    private static void FailsOnRealThreads(Action<SimRuntime> program, string fragment)
    {
        var result = StressRunner.Run(program, new StressOptions { Runs = 5, HangTimeout = TimeSpan.FromSeconds(20) });
        Assert.True(result.FoundBug, $"expected a failure containing \"{fragment}\" in {result.Runs} runs");
        Assert.Contains(result.Messages.Keys, m => m.Contains(fragment, StringComparison.Ordinal));
    }
}
