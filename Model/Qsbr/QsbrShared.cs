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
/// Deviation: when the array is full, <c>_Py_qsbr_reserve</c> grows it with the world stopped and re-points every
/// <c>tstate-&gt;qsbr</c>; the model copies the array and publishes the copy atomically instead, without stopping the
/// world, and the per-thread states do not move. A scan that reads the old array misses only slots reserved since,
/// which belong to threads that have not attached yet (offline), so the scan's result is the same.
/// </remarks>
public sealed class QsbrShared
{
    /// <summary><c>MIN_ARRAY_SIZE</c>.</summary>
    public const int MinArraySize = 8;

    private readonly SimRuntime _rt;
    private QsbrThreadState? _freelist;

    internal QsbrShared(PyInterpreterState interp, QsbrDesign design)
    {
        _rt = interp.Runtime;
        Design = design;
        WrSeq = new AtomicLong(_rt, "qsbr.wr_seq", QsbrSeq.Initial);
        RdSeq = new AtomicLong(_rt, "qsbr.rd_seq", QsbrSeq.Initial);
        Mutex = new PyMutex(_rt, "qsbr.mutex", interp.Config.Locks);
        Array = new AtomicRef<QsbrArray>(_rt, "qsbr.array", new QsbrArray([]));
    }

    /// <summary>The design constants.</summary>
    public QsbrDesign Design { get; }

    /// <summary><c>wr_seq</c>: odd, starts at <see cref="QsbrSeq.Initial"/>, moves by <see cref="QsbrSeq.Incr"/>.</summary>
    public AtomicLong WrSeq { get; }

    /// <summary><c>rd_seq</c>: the minimum read sequence seen by the last scan; only rises.</summary>
    public AtomicLong RdSeq { get; }

    /// <summary><c>mutex</c>: guards the freelist and the registration of thread states.</summary>
    public PyMutex Mutex { get; }

    /// <summary><c>array</c> (with <c>size</c>): the per-thread states.</summary>
    public AtomicRef<QsbrArray> Array { get; }

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
        foreach (var qsbr in Array.Load(MemoryOrder.Relaxed)!.Slots)
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
    /// array if it is empty) and associates it with <paramref name="tstate"/>.
    /// </summary>
    public QsbrThreadState Register(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        using var _ = _rt.Enter("_Py_qsbr_reserve");
        Mutex.Lock();
        if (_freelist is null)
        {
            Grow();
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

    /// <summary><c>grow_thread_array</c> and <c>initialize_new_array</c>: doubles the array (at least <see cref="MinArraySize"/>).</summary>
    private void Grow()
    {
        var old = Array.Load(MemoryOrder.Relaxed)!.Slots;
        var size = Math.Max(old.Count * 2, MinArraySize);
        var array = new QsbrThreadState[size];
        for (var i = 0; i < old.Count; i++)
        {
            array[i] = old[i];
        }

        for (var i = old.Count; i < size; i++)
        {
            array[i] = new QsbrThreadState(_rt, this, i);
        }

        for (var i = size - 1; i >= 0; i--)
        {
            if (!array[i].Allocated)
            {
                array[i].FreelistNext = _freelist;
                _freelist = array[i];
            }
        }

        Array.Store(new QsbrArray(array), MemoryOrder.Release);
    }
}
