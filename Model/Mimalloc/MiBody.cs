using Sim.Runtime.Cells;

namespace Sim.Model.Mimalloc;

/// <summary>
/// The body of a block seen through a pointer: the checked way to read and write its 8-byte words, each as an integer or a
/// pointer field, with the memory orders of <c>Include/cpython/pyatomic.h</c> (a plain C access is
/// <see cref="MemoryOrder.Relaxed"/>). Every access is one scheduling point, then the checker's verdict: the pointer must
/// still name a live allocation (<c>use after free</c> otherwise), a read must find a word this allocation wrote, as the
/// same kind, unless it was zeroed (<c>uninitialised read</c> otherwise), and the word must lie within the block
/// (<c>out of bounds</c>). Get one from <see cref="MiHeapChecker.Body"/> or <see cref="PyMem.Body"/>.
/// </summary>
/// <param name="checker">The heap checker.</param>
/// <param name="ptr">The pointer the program dereferences (its allocation, not whatever the block holds now, is checked).</param>
public readonly struct MiBody(MiHeapChecker checker, MiPtr ptr)
{
    /// <summary>The pointer.</summary>
    public MiPtr Ptr { get; } = ptr;

    /// <summary>Loads word <paramref name="word"/> as an integer; <paramref name="field"/> names it in reports.</summary>
    public long LoadInt(int word, MemoryOrder order = MemoryOrder.Relaxed, string? field = null)
    {
        var w = Ptr.Block.Word(word);
        var value = w.Int.Load(order);
        checker.CheckWordRead(Ptr, w, asPointer: false, Name(word, field));
        return value;
    }

    /// <summary>Stores an integer into word <paramref name="word"/>.</summary>
    public void StoreInt(int word, long value, MemoryOrder order = MemoryOrder.Relaxed, string? field = null)
    {
        var w = Ptr.Block.Word(word);
        w.Int.Store(value, order);
        checker.CheckWordWrite(Ptr, w, asPointer: false, Name(word, field));
    }

    /// <summary>Atomically adds <paramref name="delta"/> to an integer word; returns the previous value.</summary>
    public long FetchAddInt(int word, long delta, MemoryOrder order = MemoryOrder.SeqCst, string? field = null)
    {
        var w = Ptr.Block.Word(word);
        var old = w.Int.FetchAdd(delta, order);
        checker.CheckWordRead(Ptr, w, asPointer: false, Name(word, field));
        checker.CheckWordWrite(Ptr, w, asPointer: false, Name(word, field));
        return old;
    }

    /// <summary>Compare-and-exchange of an integer word; on failure <paramref name="expected"/> is the value seen.</summary>
    public bool CompareExchangeInt(int word, ref long expected, long desired, MemoryOrder order = MemoryOrder.SeqCst, string? field = null)
    {
        var w = Ptr.Block.Word(word);
        var ok = w.Int.CompareExchange(ref expected, desired, order);
        checker.CheckWordRead(Ptr, w, asPointer: false, Name(word, field));
        if (ok)
        {
            checker.CheckWordWrite(Ptr, w, asPointer: false, Name(word, field));
        }

        return ok;
    }

    /// <summary>Loads word <paramref name="word"/> as a pointer (null is NULL).</summary>
    public MiPtr? LoadPtr(int word, MemoryOrder order = MemoryOrder.Relaxed, string? field = null)
    {
        var w = Ptr.Block.Word(word);
        var value = w.Ptr.Load(order);
        checker.CheckWordRead(Ptr, w, asPointer: true, Name(word, field));
        return value;
    }

    /// <summary>Stores a pointer into word <paramref name="word"/>.</summary>
    public void StorePtr(int word, MiPtr? value, MemoryOrder order = MemoryOrder.Relaxed, string? field = null)
    {
        var w = Ptr.Block.Word(word);
        w.Ptr.Store(value, order);
        checker.CheckWordWrite(Ptr, w, asPointer: true, Name(word, field));
    }

    /// <summary>Atomically exchanges a pointer word; returns the previous pointer.</summary>
    public MiPtr? ExchangePtr(int word, MiPtr? value, MemoryOrder order = MemoryOrder.SeqCst, string? field = null)
    {
        var w = Ptr.Block.Word(word);
        var old = w.Ptr.Exchange(value, order);
        checker.CheckWordRead(Ptr, w, asPointer: true, Name(word, field));
        checker.CheckWordWrite(Ptr, w, asPointer: true, Name(word, field));
        return old;
    }

    /// <summary>Compare-and-exchange of a pointer word (pointer equality is by block, as in C, via the cell's reference).</summary>
    public bool CompareExchangePtr(int word, ref MiPtr? expected, MiPtr? desired, MemoryOrder order = MemoryOrder.SeqCst, string? field = null)
    {
        var w = Ptr.Block.Word(word);
        var ok = w.Ptr.CompareExchange(ref expected, desired, order);
        checker.CheckWordRead(Ptr, w, asPointer: true, Name(word, field));
        if (ok)
        {
            checker.CheckWordWrite(Ptr, w, asPointer: true, Name(word, field));
        }

        return ok;
    }

    private string Name(int word, string? field) => field ?? $"word {word}";
}
