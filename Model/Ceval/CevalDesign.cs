namespace Sim.Model.Ceval;

/// <summary>
/// How the eval breaker behaves (<c>Include/internal/pycore_ceval.h</c>, <c>Python/ceval_gil.c</c>,
/// <c>Python/instrumentation.c</c>, 3.13): CPython 3.13's per-thread design (<see cref="Cpython313"/>), the earlier
/// per-interpreter one, or a broken design the per-thread breaker's rules exist to prevent.
/// </summary>
public sealed record CevalDesign
{
    /// <summary>CPython 3.13, free-threaded build.</summary>
    public static CevalDesign Cpython313 { get; } = new();

    /// <summary>Whose word <c>_Py_set_eval_breaker_bit</c> sets and <c>_Py_HandlePending</c> reads.</summary>
    public EvalBreakerScope Scope { get; init; } = EvalBreakerScope.PerThread;

    /// <summary>When a new thread state copies the instrumentation version into its eval breaker.</summary>
    public NewThreadVersionCopy NewThreadVersion { get; init; } = NewThreadVersionCopy.UnderHeadLock;
}

/// <summary>Whose eval breaker carries a request.</summary>
public enum EvalBreakerScope
{
    /// <summary>
    /// CPython 3.13 (gh-112175, PR #115194: "adds an eval_breaker field to PyThreadState"): each thread state has its own
    /// word, so a request reaches the thread it is for, and only that thread clears it.
    /// </summary>
    PerThread,

    /// <summary>
    /// Before gh-112175 (3.12's <c>interp-&gt;ceval.eval_breaker</c>; the 3.13 alphas' per-interpreter bits
    /// [version-uncertain]): one word for the whole interpreter. A request meant for one thread is seen, cleared and
    /// "served" by whichever thread checks first, and the thread it was for never sees it.
    /// </summary>
    PerInterpreter,
}

/// <summary>When a new thread state takes the interpreter's instrumentation version.</summary>
public enum NewThreadVersionCopy
{
    /// <summary>
    /// CPython 3.13: <c>init_threadstate</c> loads <c>interp-&gt;ceval.instrumentation_version</c> into the new state's
    /// <c>eval_breaker</c> under <c>HEAD_LOCK</c>, right before <c>add_threadstate</c> links it, so
    /// <c>set_global_version</c> (which updates every linked state under <c>HEAD_LOCK</c>) either sees the new state or
    /// published its version before the copy.
    /// </summary>
    UnderHeadLock,

    /// <summary>
    /// Broken: the copy is taken before <c>HEAD_LOCK</c> (at allocation). A version change between the copy and the link
    /// updates every linked state but not the new one, which keeps the old version: the change is missed.
    /// </summary>
    BeforeHeadLock,
}
