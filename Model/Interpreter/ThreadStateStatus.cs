namespace Sim.Model.Interpreter;

/// <summary>The values of <c>PyThreadState.state</c> (<c>Include/internal/pycore_pystate.h</c>, 3.13).</summary>
public static class ThreadStateStatus
{
    /// <summary><c>_Py_THREAD_DETACHED</c>: blocked or running C code; touches no objects.</summary>
    public const int Detached = 0;

    /// <summary><c>_Py_THREAD_ATTACHED</c>: may touch objects.</summary>
    public const int Attached = 1;

    /// <summary><c>_Py_THREAD_SUSPENDED</c>: parked by stop-the-world.</summary>
    public const int Suspended = 2;

    /// <summary>
    /// <c>_Py_THREAD_SHUTTING_DOWN</c> (3.14, PR #130649; not in 3.13): the state of a daemon thread removed at
    /// finalization; its thread hangs when it tries to attach. Used only by
    /// <see cref="DaemonThreadsAtFinalization.HangWhenShuttingDown"/>.
    /// </summary>
    public const int ShuttingDown = 3;

    /// <summary>The name of a state value.</summary>
    public static string Describe(int state) => state switch
    {
        Detached => "DETACHED",
        Attached => "ATTACHED",
        Suspended => "SUSPENDED",
        ShuttingDown => "SHUTTING_DOWN",
        _ => $"?{state}",
    };
}

/// <summary>The bits of <c>PyThreadState.eval_breaker</c> (<c>Include/internal/pycore_ceval.h</c>, 3.13).</summary>
public static class EvalBreakerBits
{
    /// <summary><c>_PY_GIL_DROP_REQUEST_BIT</c>.</summary>
    public const long GilDropRequest = 1L << 0;

    /// <summary><c>_PY_SIGNALS_PENDING_BIT</c>.</summary>
    public const long SignalsPending = 1L << 1;

    /// <summary><c>_PY_CALLS_TO_DO_BIT</c>.</summary>
    public const long CallsToDo = 1L << 2;

    /// <summary><c>_PY_ASYNC_EXCEPTION_BIT</c>.</summary>
    public const long AsyncException = 1L << 3;

    /// <summary><c>_PY_GC_SCHEDULED_BIT</c>.</summary>
    public const long GcScheduled = 1L << 4;

    /// <summary><c>_PY_EVAL_PLEASE_STOP_BIT</c>.</summary>
    public const long PleaseStop = 1L << 5;

    /// <summary><c>_PY_EVAL_EXPLICIT_MERGE_BIT</c>: the owner has objects queued for a biased-refcount merge.</summary>
    public const long ExplicitMerge = 1L << 6;

    /// <summary><c>_PY_EVAL_EVENTS_BITS</c>: the low bits reserved for events; the instrumentation version sits above them.</summary>
    public const int EventsBits = 8;

    /// <summary><c>_PY_EVAL_EVENTS_MASK</c>.</summary>
    public const long EventsMask = (1L << EventsBits) - 1;
}
