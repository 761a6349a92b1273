using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Qsbr;

/// <summary>
/// <c>struct _qsbr_shared</c> (<c>interp-&gt;qsbr</c>, <c>Include/internal/pycore_qsbr.h</c>, <c>Python/qsbr.c</c>, 3.13): the
/// shared write sequence, the cached minimum read sequence, and the array of per-thread states with its mutex and
/// freelist.
/// </summary>
/// <remarks>
/// The array is raw memory the checker watches (<see cref="QsbrArray"/>, <see cref="QsbrSeqWord"/>); growing it follows
/// <see cref="QsbrDesign.ArrayGrowth"/>. Deviations: <c>_Py_qsbr_reserve</c> and <c>_Py_qsbr_register</c> are one call
/// (<see cref="Register"/>), so the index CPython passes between them is not needed; <c>array</c> and <c>size</c> are one
/// plain cell; the stop-the-world of a growth is left out while the interpreter has no thread state (its first
/// reservation, at its creation: there is nothing to stop, and leaving out its uncontended locks keeps every scenario on
/// the schedules it had).
/// </remarks>
public sealed class QsbrShared
{
    private readonly SimRuntime _rt;
    private readonly PyInterpreterState _interp;
    private QsbrThreadState? _freelist;

    internal QsbrShared(PyInterpreterState interp, QsbrDesign design)
    {
        _rt = interp.Runtime;
        _interp = interp;
        Design = design;
        WrSeq = new AtomicLong(_rt, "qsbr.wr_seq", QsbrSeq.Initial);
        RdSeq = new AtomicLong(_rt, "qsbr.rd_seq", QsbrSeq.Initial);
        Mutex = new PyMutex(_rt, "qsbr.mutex", interp.Config.Locks);
        Array = new PlainCell<QsbrArray>(_rt, "qsbr.array", new QsbrArray(null, []));
    }

    /// <summary>The design constants.</summary>
    public QsbrDesign Design { get; }

    /// <summary><c>wr_seq</c>: odd, starts at <see cref="QsbrSeq.Initial"/>, moves by <see cref="QsbrSeq.Incr"/>.</summary>
    public AtomicLong WrSeq { get; }

    /// <summary><c>rd_seq</c>: the minimum read sequence seen by the last scan; only rises.</summary>
    public AtomicLong RdSeq { get; }

    /// <summary><c>mutex</c>: guards the freelist and the registration of thread states.</summary>
    public PyMutex Mutex { get; }

    /// <summary>
    /// <c>array</c> (with <c>size</c>): the per-thread states. Plain fields in C, written under the mutex with the world
    /// stopped and read by attached threads' scans.
    /// </summary>
    public PlainCell<QsbrArray> Array { get; }

    /// <summary><c>_Py_qsbr_shared_current</c>: an acquire load of the write sequence.</summary>
    public long Current() => WrSeq.Load(MemoryOrder.Acquire);

    /// <summary><c>_Py_qsbr_advance</c>: advances the write sequence (seq_cst add) and returns the new value as a goal.</summary>
    public long Advance()
    {
        using var _ = _rt.Enter("_Py_qsbr_advance");
        return WrSeq.FetchAdd(QsbrSeq.Incr) + QsbrSeq.Incr;
    }

    /// <summary>
    /// <c>qsbr_poll_scan</c>: the minimum of the write sequence and of every online thread's read sequence, published to
    /// <see cref="RdSeq"/> with a CAS that may lose (another scan then published a value at least as recent).
    /// </summary>
    /// <remarks>The seq_cst fence that orders this scan after <c>_Py_qsbr_attach</c>'s store is implicit: controlled runs are sequentially consistent.</remarks>
    public long PollScan()
    {
        using var _ = _rt.Enter("qsbr_poll_scan");
        var minSeq = WrSeq.Load();
        foreach (var qsbr in Array.Read().Slots)
        {
            var seq = qsbr.Seq.Load();
            if (seq != QsbrSeq.Offline && QsbrSeq.Lt(seq, minSeq))
            {
                minSeq = seq;
            }
        }

        var rdSeq = RdSeq.Load();
        if (QsbrSeq.Lt(rdSeq, minSeq))
        {
            // It's okay if the compare-exchange failed: another thread updated it.
            RdSeq.CompareExchange(ref rdSeq, minSeq);
            rdSeq = minSeq;
        }

        return rdSeq;
    }

    /// <summary>
    /// <c>_Py_qsbr_reserve</c> and <c>_Py_qsbr_register</c>: takes a state from the freelist under the mutex (growing the
    /// array if it is empty: with the world stopped, <see cref="ArrayGrowth"/>) and associates it with
    /// <paramref name="tstate"/>.
    /// </summary>
    public QsbrThreadState Register(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        using var _ = _rt.Enter("_Py_qsbr_reserve");
        Mutex.Lock();
        if (_freelist is null)
        {
            // If there are no free entries, we pause all threads, grow the array, and update the pointers in
            // PyThreadState to entries in the new array.
            var stop = Design.ArrayGrowth == ArrayGrowth.StopTheWorld && _interp.ThreadStatesForCheck.Count > 0;
            if (stop)
            {
                _interp.StopTheWorld(); // _PyEval_StopTheWorld(interp)
            }

            Grow();
            if (stop)
            {
                _interp.StartTheWorld(); // _PyEval_StartTheWorld(interp)
            }
        }

        var qsbr = _freelist!;
        _freelist = qsbr.FreelistNext;
        qsbr.FreelistNext = null;
        _rt.Check(!qsbr.Allocated && qsbr.TState is null, $"{qsbr}: reserved twice");
        qsbr.Allocated = true;
        qsbr.TState = tstate;
        Mutex.Unlock();
        return qsbr;
    }

    /// <summary>
    /// <c>_Py_qsbr_unregister</c>: under the mutex, clears the thread's state and returns it to the freelist. The thread must
    /// be detached (its read sequence offline).
    /// </summary>
    public void Unregister(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        using var _ = _rt.Enter("_Py_qsbr_unregister");
        Mutex.Lock();
        var qsbr = tstate.Qsbr;
        _rt.Check(qsbr is not null, $"{tstate}: _Py_qsbr_unregister without a QSBR state");
        _rt.Check(qsbr.Seq.Peek() == QsbrSeq.Offline, $"{tstate}: _Py_qsbr_unregister: thread state must be detached (seq={qsbr.Seq.Peek()})");
        _rt.Check(qsbr.Allocated && ReferenceEquals(qsbr.TState, tstate), $"{tstate}: _Py_qsbr_unregister of a QSBR state it does not own");
        qsbr.TState = null;
        qsbr.Allocated = false;
        qsbr.FreelistNext = _freelist;
        _freelist = qsbr;
        Mutex.Unlock();
    }

    /// <summary>
    /// <c>grow_thread_array</c> and <c>initialize_new_array</c>: a zeroed array twice the size (at least
    /// <see cref="QsbrDesign.MinArraySize"/>) from <c>PyMem_RawCalloc</c>, the old slots copied into it (re-pointing their
    /// thread states), the free slots on the freelist, the new array published, and the old one freed at once
    /// (<c>PyMem_RawFree</c>).
    /// </summary>
    private void Grow()
    {
        var old = Array.Read();
        var size = Math.Max(old.Size * 2, Design.MinArraySize);
        var raw = _interp.Mimalloc.Raw;
        var memory = raw.Calloc(size, QsbrArray.PadWords * 8, "qsbr.array");
        var body = _interp.Mimalloc.Checker.Body(memory);
        var slots = new QsbrThreadState[size];
        for (var i = 0; i < size; i++)
        {
            slots[i] = new QsbrThreadState(_rt, this, body, i);
            if (i < old.Size)
            {
                slots[i].CopyFrom(old.Slots[i]);
            }
        }

        _freelist = null;
        for (var i = size - 1; i >= 0; i--)
        {
            if (!slots[i].Allocated)
            {
                slots[i].FreelistNext = _freelist;
                _freelist = slots[i];
            }
        }

        Array.Write(new QsbrArray(memory, slots));
        if (old.Memory is { } oldMemory)
        {
            _rt.Note($"grow_thread_array: qsbr.array is now {size} slots in {memory.Block.Name}; PyMem_RawFree of the old array in {oldMemory.Block.Name}");
            raw.Free(oldMemory);
        }
    }
}
