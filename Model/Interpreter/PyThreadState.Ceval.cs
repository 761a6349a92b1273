using Sim.Model.Ceval;
using Sim.Runtime.Cells;

namespace Sim.Model.Interpreter;

/// <summary>The eval loop's per-thread state: the eval breaker's bit operations, the GIL flag and the asynchronous exception.</summary>
public sealed partial class PyThreadState
{
    /// <summary>
    /// <c>tstate-&gt;_status.holds_gil</c>: set by <c>take_gil</c> and cleared by <c>drop_gil_impl</c>, both on this thread;
    /// the source of truth of "this thread holds the GIL".
    /// </summary>
    public bool HoldsGil { get; internal set; }

    /// <summary><c>tstate-&gt;async_exc</c>: the exception <see cref="PyInterpreterState.SetAsyncExc"/> asks the thread to raise.</summary>
    public AtomicRef<string> AsyncExc { get; }

    /// <summary>The exception the thread's last periodic check raised, if any (what the eval loop would unwind with).</summary>
    public string? RaisedException { get; private set; }

    /// <summary>
    /// <c>_Py_set_eval_breaker_bit(tstate, bit)</c> (<c>Include/internal/pycore_ceval.h</c>): an atomic OR into the thread's
    /// eval breaker (the interpreter's, in the design before gh-112175).
    /// </summary>
    public void SetEvalBreakerBit(long bit)
    {
        BreakerWord.FetchOr(bit);
    }

    /// <summary><c>_Py_unset_eval_breaker_bit(tstate, bit)</c>: an atomic AND with the complement.</summary>
    public void UnsetEvalBreakerBit(long bit)
    {
        BreakerWord.FetchAnd(~bit);
    }

    /// <summary><c>_Py_eval_breaker_bit_is_set(tstate, bit)</c>: a relaxed load.</summary>
    public bool EvalBreakerBitIsSet(long bit) => (BreakerWord.Load(MemoryOrder.Relaxed) & bit) != 0;

    /// <summary>The word the eval breaker's requests go through: the thread's own in 3.13.</summary>
    private AtomicLong BreakerWord =>
        Interp.Config.Ceval.Scope == EvalBreakerScope.PerThread ? EvalBreaker : Interp.Ceval.EvalBreaker;

    /// <summary>
    /// <c>_Py_HandlePending</c>'s asynchronous-exception step: clear the bit, then take <c>async_exc</c> with an atomic
    /// exchange; if there was one, raise it (<see cref="RaisedException"/>).
    /// </summary>
    private void HandleAsyncExc()
    {
        UnsetEvalBreakerBit(EvalBreakerBits.AsyncException); // _Py_unset_eval_breaker_bit(tstate, _PY_ASYNC_EXCEPTION_BIT)
        var exc = AsyncExc.Exchange(null); // _Py_atomic_exchange_ptr(&tstate->async_exc, NULL)
        if (exc is not null)
        {
            RaisedException = exc; // _PyErr_SetNone(tstate, exc); return -1
        }
    }
}
