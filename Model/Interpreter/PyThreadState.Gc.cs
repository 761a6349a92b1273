namespace Sim.Model.Interpreter;

/// <summary>The GC's and <c>Py_REF_DEBUG</c>'s per-thread counters.</summary>
public sealed partial class PyThreadState
{
    /// <summary>
    /// <c>((_PyThreadStateImpl *)tstate)-&gt;gc.alloc_count</c>: allocations less deallocations not yet added to the
    /// interpreter's count. Only the thread itself touches it (a plain C field, no scheduling point).
    /// </summary>
    public int GcAllocCount { get; internal set; }

    /// <summary>
    /// <c>((_PyThreadStateImpl *)tstate)-&gt;reftotal</c> (<c>Py_REF_DEBUG</c>): the thread's share of the total reference
    /// count. The thread adds to it with a plain read and a relaxed store; <c>get_reftotal</c> reads it from other threads
    /// with relaxed loads; <c>tstate_delete_common</c> merges it into the interpreter's total.
    /// </summary>
    public Sim.Runtime.Cells.AtomicLong RefTotal { get; }
}
