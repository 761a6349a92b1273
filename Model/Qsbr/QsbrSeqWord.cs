using Sim.Model.Mimalloc;
using Sim.Runtime.Cells;

namespace Sim.Model.Qsbr;

/// <summary>
/// <c>qsbr-&gt;seq</c>: word 0 of a thread's <c>struct _qsbr_pad</c> in the shared array, read and written through the
/// array's pointer, so that an access through a pointer to an array that was freed (a stale <c>tstate-&gt;qsbr</c>, or a
/// scan of the old array) is a use after free the checker reports. <see cref="QsbrSeq.Offline"/> is zero: the calloc'd
/// array starts offline.
/// </summary>
public sealed class QsbrSeqWord
{
    private readonly MiBody _body;
    private readonly int _word;
    private readonly string _field;

    internal QsbrSeqWord(MiBody body, int index)
    {
        _body = body;
        _word = index * QsbrArray.PadWords;
        _field = $"qsbr.array[{index}].seq";
    }

    /// <summary>An atomic load (seq_cst unless <paramref name="order"/> says otherwise).</summary>
    public long Load(MemoryOrder order = MemoryOrder.SeqCst) => _body.LoadInt(_word, order, _field);

    /// <summary>An atomic store (seq_cst unless <paramref name="order"/> says otherwise).</summary>
    public void Store(long value, MemoryOrder order = MemoryOrder.SeqCst) => _body.StoreInt(_word, value, order, _field);

    /// <summary>The value, with no scheduling point and no check: for invariant checks and reports.</summary>
    public long Peek() => _body.Ptr.Block.Word(_word).Int.Peek();

    /// <summary>
    /// The <c>memcpy</c> of <c>grow_thread_array</c>: copies the word into <paramref name="to"/> with no scheduling point
    /// (the world is stopped, or, in the broken design, the grower holds the mutex and races the owner).
    /// </summary>
    internal void CopyTo(QsbrSeqWord to) => to._body.Ptr.Block.Word(to._word).Int.Reinitialize(Peek());
}
