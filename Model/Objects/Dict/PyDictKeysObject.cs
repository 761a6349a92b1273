using Sim.Model.Locks;
using Sim.Model.Mimalloc;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects.Dict;

/// <summary>
/// A <c>PyDictKeysObject *</c> (<c>Include/internal/pycore_dict.h</c>, <c>Objects/dictobject.c</c>, 3.13): one raw block from
/// <c>PyMem_Malloc</c> (<c>new_keys_object</c>) holding the header, the hash table <c>dk_indices</c> and the entries, every
/// field a word the memory checker watches, so that a reader that probes freed keys is a use after free and a read of an
/// entry never written is an uninitialised read. Words: 0 <c>dk_refcnt</c>, 1 <c>dk_log2_size</c>, 2 <c>dk_kind</c>,
/// 3 <c>dk_usable</c>, 4 <c>dk_nentries</c>, then <c>1 &lt;&lt; dk_log2_size</c> indices (<c>DKIX_EMPTY</c>,
/// <c>DKIX_DUMMY</c> or an entry's index), then <c>USABLE_FRACTION(size)</c> <c>PyDictUnicodeEntry</c>s of two words,
/// <c>me_key</c> and <c>me_value</c>. Open one with <see cref="Open"/>, which reads <c>dk_log2_size</c> once, as
/// <c>DK_MASK</c> and <c>DK_ENTRIES</c> do at the start of a lookup.
/// </summary>
/// <remarks>
/// Deviations: each index is a word (CPython packs them as int8 up to 128 slots); <c>dk_log2_index_bytes</c> and
/// <c>dk_version</c> are not modelled; <c>dk_mutex</c> is the block's own mutex cell (<see cref="MiBlock.ObMutex"/>), not
/// a word of the body; only unicode entries exist (no <c>PyDictKeyEntry</c> with <c>me_hash</c>).
/// </remarks>
public readonly struct PyDictKeysObject
{
    /// <summary><c>DKIX_EMPTY</c>: a slot that never held an entry.</summary>
    public const long DkixEmpty = -1;

    /// <summary><c>DKIX_DUMMY</c>: a slot whose entry was deleted (never reused in the free-threaded build).</summary>
    public const long DkixDummy = -2;

    /// <summary><c>DKIX_KEY_CHANGED</c>: a lock-free probe saw the keys change under it; the lookup retries under the lock.</summary>
    public const long DkixKeyChanged = -4;

    /// <summary><c>PyDict_LOG_MINSIZE</c>.</summary>
    public const int LogMinSize = 3;

    private const int HeaderWords = 5;
    private readonly MiHeapChecker _checker;

    private PyDictKeysObject(MemPtr ptr, MiHeapChecker checker, int log2Size)
    {
        Ptr = ptr;
        _checker = checker;
        Log2Size = log2Size;
    }

    /// <summary>The pointer to the block.</summary>
    public MemPtr Ptr { get; }

    /// <summary><c>DK_LOG_SIZE</c> as read when the keys were opened.</summary>
    public int Log2Size { get; }

    /// <summary><c>DK_SIZE</c>: the number of index slots.</summary>
    public int Size => 1 << Log2Size;

    /// <summary><c>DK_MASK</c>.</summary>
    public int Mask => Size - 1;

    /// <summary><c>dk_mutex</c> (<c>LOCK_KEYS</c>), modelled by the block's mutex cell.</summary>
    public PyMutex DkMutex => Ptr.Block.ObMutex;

    private MiBody Body => _checker.Body(Ptr);

    /// <summary><c>USABLE_FRACTION(n)</c>: two thirds of the slots may hold entries.</summary>
    public static int UsableFraction(int n) => (n << 1) / 3;

    /// <summary>The number of bytes <c>new_keys_object</c> allocates for keys of <c>1 &lt;&lt; log2Size</c> slots.</summary>
    public static int BytesFor(int log2Size) => 8 * (HeaderWords + (1 << log2Size) + (2 * UsableFraction(1 << log2Size)));

    /// <summary>Reads <c>dk_log2_size</c> (a plain read of a field that never changes) and opens the keys.</summary>
    public static PyDictKeysObject Open(MemPtr ptr, MiHeapChecker checker)
    {
        ArgumentNullException.ThrowIfNull(ptr);
        ArgumentNullException.ThrowIfNull(checker);
        var log2 = checker.Body(ptr).LoadInt(1, MemoryOrder.Relaxed, $"{ptr.Name}.dk_log2_size");
        return new PyDictKeysObject(ptr, checker, (int)log2);
    }

    /// <summary>Keys being built by <c>new_keys_object</c>, whose <c>dk_log2_size</c> is known without reading it.</summary>
    internal static PyDictKeysObject Fresh(MemPtr ptr, MiHeapChecker checker, int log2Size) => new(ptr, checker, log2Size);

    /// <summary>Reads <c>dk_kind</c> (never changes after <c>new_keys_object</c>).</summary>
    public DictKeysKind Kind() => (DictKeysKind)Body.LoadInt(2, MemoryOrder.Relaxed, $"{Ptr.Name}.dk_kind");

    /// <summary>Loads <c>dk_refcnt</c>.</summary>
    public long LoadRefcnt() => Body.LoadInt(0, MemoryOrder.Relaxed, $"{Ptr.Name}.dk_refcnt");

    /// <summary><c>INCREF_KEYS</c>/<c>DECREF_KEYS</c>: <c>_Py_atomic_add_ssize(&amp;dk_refcnt, delta)</c>; returns the previous count.</summary>
    public long AddRefcnt(long delta) => Body.FetchAddInt(0, delta, MemoryOrder.SeqCst, $"{Ptr.Name}.dk_refcnt");

    /// <summary>Loads <c>dk_usable</c>.</summary>
    public long LoadUsable(MemoryOrder order = MemoryOrder.Relaxed) => Body.LoadInt(3, order, $"{Ptr.Name}.dk_usable");

    /// <summary>Stores <c>dk_usable</c> (<c>STORE_KEYS_USABLE</c> is relaxed; <c>split_keys_entry_added</c> releases).</summary>
    public void StoreUsable(long value, MemoryOrder order = MemoryOrder.Relaxed) => Body.StoreInt(3, value, order, $"{Ptr.Name}.dk_usable");

    /// <summary>Loads <c>dk_nentries</c>.</summary>
    public long LoadNentries(MemoryOrder order = MemoryOrder.Relaxed) => Body.LoadInt(4, order, $"{Ptr.Name}.dk_nentries");

    /// <summary>Stores <c>dk_nentries</c> (<c>STORE_KEYS_NENTRIES</c>, relaxed).</summary>
    public void StoreNentries(long value, MemoryOrder order = MemoryOrder.Relaxed) => Body.StoreInt(4, value, order, $"{Ptr.Name}.dk_nentries");

    /// <summary><c>dictkeys_get_index</c>: <c>LOAD_INDEX</c>, a relaxed atomic load of slot <paramref name="i"/>.</summary>
    public long GetIndex(long i) => Body.LoadInt(IndexWord(i), MemoryOrder.Relaxed, $"{Ptr.Name}.dk_indices[{i}]");

    /// <summary><c>dictkeys_set_index</c>: <c>STORE_INDEX</c>, a relaxed atomic store into slot <paramref name="i"/>.</summary>
    public void SetIndex(long i, long ix) => Body.StoreInt(IndexWord(i), ix, MemoryOrder.Relaxed, $"{Ptr.Name}.dk_indices[{i}]");

    /// <summary><c>&amp;DK_UNICODE_ENTRIES(dk)[ix].me_key</c>.</summary>
    public PySlot Key(long ix) => new(Ptr, EntryWord(ix), _checker, $"{Ptr.Name}.entries[{ix}].me_key");

    /// <summary><c>&amp;DK_UNICODE_ENTRIES(dk)[ix].me_value</c>.</summary>
    public PySlot Value(long ix) => new(Ptr, EntryWord(ix) + 1, _checker, $"{Ptr.Name}.entries[{ix}].me_value");

    /// <summary>
    /// <c>new_keys_object</c>'s initialisation of a block no other thread can see yet: the header's plain stores, the
    /// <c>memset</c> of the indices to <c>0xff</c> (<c>DKIX_EMPTY</c>) and, if <paramref name="zeroEntries"/>, of the entries to
    /// zero. The memsets write the words without scheduling points, as the allocator zeroes a block
    /// (<see cref="MiBlock.ZeroBody"/>): no other thread holds the pointer yet.
    /// </summary>
    internal void Initialize(DictKeysKind kind, long usable, bool zeroEntries)
    {
        Body.StoreInt(0, 1, MemoryOrder.Relaxed, $"{Ptr.Name}.dk_refcnt");
        Body.StoreInt(1, Log2Size, MemoryOrder.Relaxed, $"{Ptr.Name}.dk_log2_size");
        Body.StoreInt(2, (long)kind, MemoryOrder.Relaxed, $"{Ptr.Name}.dk_kind");
        StoreNentries(0);
        StoreUsable(usable);
        for (var i = 0; i < Size; i++)
        {
            var w = Ptr.Block.Word(IndexWord(i));
            w.Int.Reinitialize(DkixEmpty);
            w.RecordWrite(Ptr.Allocation, pointer: false);
        }

        if (!zeroEntries)
        {
            return;
        }

        for (var k = EntryWord(0); k < EntryWord(UsableFraction(Size)); k++)
        {
            Ptr.Block.Word(k).Zero(Ptr.Allocation);
        }
    }

    /// <summary>
    /// The <c>memcpy</c> of <c>clone_combined_dict_keys</c>: every word of these keys (header, indices, entries) into
    /// <paramref name="target"/>, a fresh block of the same size, with no scheduling points (<see cref="MiWord"/>'s copy);
    /// the read of these keys is checked once (a copy of freed keys is a use after free).
    /// </summary>
    internal void CopyTo(PyDictKeysObject target)
    {
        _checker.CheckRead(Ptr, "the keys (memcpy)");
        for (var w = 0; w < BytesFor(Log2Size) / 8; w++)
        {
            Ptr.Block.Word(w).CopyTo(target.Ptr.Block.Word(w), Ptr.Allocation, target.Ptr.Allocation);
        }
    }

    private int IndexWord(long i) => HeaderWords + (int)i;

    private int EntryWord(long ix) => HeaderWords + Size + (2 * (int)ix);
}
