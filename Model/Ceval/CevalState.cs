using Sim.Model.Interpreter;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Ceval;

/// <summary>
/// <c>interp-&gt;ceval</c> (<c>struct _ceval_state</c>, <c>Include/internal/pycore_ceval_state.h</c>, 3.13) with the
/// interpreter's GIL (<c>interp-&gt;_gil</c>), and the functions of <c>Python/ceval_gil.c</c> that act on them:
/// <c>_PyEval_AcquireLock</c>, <c>_PyEval_ReleaseLock</c>, <c>_PyEval_EnableGILTransient</c>,
/// <c>_PyEval_EnableGILPermanent</c>, <c>_PyEval_DisableGIL</c>; and <c>set_global_version</c>
/// (<c>Python/instrumentation.c</c>), which publishes a new instrumentation version.
/// </summary>
/// <remarks>
/// Deviation: <c>interp-&gt;ceval.instrumentation_version</c> is 0 until the first <see cref="SetGlobalVersion"/> (the
/// first use of <c>sys.monitoring</c> or <c>sys.settrace</c>), and nothing else writes it; until then the model lets
/// <c>init_threadstate</c> copy the 0 without a scheduling point, which keeps the schedules of scenarios that never
/// instrument as they were.
/// </remarks>
public sealed class CevalState
{
    private readonly PyInterpreterState _interp;
    private readonly SimRuntime _rt;
    private volatile bool _instrumentationUsed;

    internal CevalState(PyInterpreterState interp)
    {
        _interp = interp;
        _rt = interp.Runtime;
        Gil = new Gil(_rt, interp.Config.Gil);
        InstrumentationVersion = new AtomicLong(_rt, "interp->ceval.instrumentation_version");
        EvalBreaker = new AtomicLong(_rt, "interp->ceval.eval_breaker");
    }

    /// <summary><c>interp-&gt;ceval.gil</c>: the interpreter's own GIL.</summary>
    public Gil Gil { get; }

    /// <summary>
    /// <c>interp-&gt;ceval.instrumentation_version</c>: the source of truth of the version that every thread's eval breaker
    /// carries in its high bits (above <see cref="EvalBreakerBits.EventsMask"/>).
    /// </summary>
    public AtomicLong InstrumentationVersion { get; }

    /// <summary>
    /// The interpreter-wide eval breaker of the design before gh-112175 (<see cref="EvalBreakerScope.PerInterpreter"/>);
    /// unused by 3.13's per-thread design.
    /// </summary>
    public AtomicLong EvalBreaker { get; }

    /// <summary><c>_PyEval_AcquireLock(tstate)</c>: <c>take_gil</c>.</summary>
    public void AcquireLock(PyThreadState tstate) => Gil.Take(tstate);

    /// <summary><c>_PyEval_ReleaseLock(interp, tstate, final_release)</c>: <c>drop_gil</c>.</summary>
    public void ReleaseLock(PyThreadState tstate, bool finalRelease) => Gil.Drop(tstate, finalRelease);

    /// <summary><c>_PyEval_IsGILEnabled(tstate)</c>: a relaxed load of <c>gil-&gt;enabled</c>.</summary>
    public bool IsGilEnabled() => Gil.IsEnabled();

    /// <summary>
    /// <c>_PyEval_EnableGILTransient</c> (before an extension module's init, unless <c>PYTHON_GIL</c> is set): if the GIL is
    /// on, count one more request; otherwise detach, stop the world, increment, start the world and re-attach (the other
    /// threads re-attach through <c>take_gil</c>). True if this call turned the GIL on.
    /// </summary>
    public bool EnableGilTransient(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        if (_interp.Config.Gil.PythonGil != PythonGil.Default)
        {
            return false;
        }

        using var _ = _rt.Enter("_PyEval_EnableGILTransient");
        var gil = Gil;
        var enabled = gil.Enabled.Load(MemoryOrder.Relaxed);
        if (enabled == int.MaxValue)
        {
            // The GIL is already enabled permanently.
            return false;
        }

        if (enabled > 0)
        {
            // If enabled is nonzero, we know we hold the GIL: no other thread is attached, nobody else mutates it.
            gil.Enabled.Store(enabled + 1, MemoryOrder.Relaxed);
            return false;
        }

        if (_interp.Config.Gil.TransientEnable == GilEnable.WithoutStopTheWorld)
        {
            gil.Enabled.Store(enabled + 1, MemoryOrder.Relaxed);
            tstate.Detach();
            tstate.Attach();
            return true;
        }

        // Enabling the GIL changes what it means to be an "attached" thread: detach, stop the world, enable (if nobody
        // did meanwhile), start the world, attach. Other threads may attach and hold the GIL before this one.
        tstate.Detach();
        _interp.RuntimeState.StopTheWorldAll(); // _PyEval_StopTheWorldAll(&_PyRuntime)
        enabled = gil.Enabled.Load(MemoryOrder.Relaxed);
        var thisThreadEnabled = enabled == 0;
        gil.Enabled.Store(enabled + 1, MemoryOrder.Relaxed);
        _interp.RuntimeState.StartTheWorldAll(); // _PyEval_StartTheWorldAll(&_PyRuntime)
        tstate.Attach();
        return thisThreadEnabled;
    }

    /// <summary><c>_PyEval_EnableGILPermanent</c>: the caller holds the GIL; set <c>enabled</c> to <c>INT_MAX</c>.</summary>
    public bool EnableGilPermanent(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        if (_interp.Config.Gil.PythonGil != PythonGil.Default)
        {
            return false;
        }

        using var _ = _rt.Enter("_PyEval_EnableGILPermanent");
        _rt.Check(tstate.HoldsGil, $"_PyEval_EnableGILPermanent called by {tstate.Thread}, which does not hold the GIL");
        if (Gil.Enabled.Load(MemoryOrder.Relaxed) == int.MaxValue)
        {
            return false;
        }

        Gil.Enabled.Store(int.MaxValue, MemoryOrder.Relaxed);
        return true;
    }

    /// <summary>
    /// <c>_PyEval_DisableGIL</c> (after the init of a module that declares <c>Py_MOD_GIL_NOT_USED</c>): the caller holds the
    /// GIL; count one request less and, at 0, drop the GIL (waking a waiter, which re-checks <c>enabled</c> and passes the
    /// wake-up on) and clear any drop request. True if this call turned the GIL off.
    /// </summary>
    public bool DisableGil(PyThreadState tstate)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        if (_interp.Config.Gil.PythonGil != PythonGil.Default)
        {
            return false;
        }

        using var _ = _rt.Enter("_PyEval_DisableGIL");
        _rt.Check(tstate.HoldsGil, $"_PyEval_DisableGIL called by {tstate.Thread}, which does not hold the GIL");
        var enabled = Gil.Enabled.Load(MemoryOrder.Relaxed);
        if (enabled == int.MaxValue)
        {
            return false;
        }

        enabled--;

        // Disabling is simpler than enabling: we are the only attached thread. Others may start free-threading as soon as
        // this store is complete, if it sets gil->enabled to 0.
        Gil.Enabled.Store(enabled, MemoryOrder.Relaxed);
        if (enabled != 0)
        {
            return false;
        }

        // Drop the GIL, which wakes up any thread waiting in take_gil() to resume without the GIL.
        Gil.DropImpl(tstate);

        // If another thread asked us to drop the GIL, it should be free-threading by now.
        tstate.UnsetEvalBreakerBit(EvalBreakerBits.GilDropRequest);
        return true;
    }

    /// <summary>
    /// <c>set_global_version</c> (<c>Python/instrumentation.c</c>, 3.13): publishes <paramref name="version"/> (a multiple of
    /// 256) in <c>interp-&gt;ceval.instrumentation_version</c>, then, under <c>HEAD_LOCK</c>, in every linked thread state's
    /// eval breaker, each with <c>set_version_raw</c>'s CAS loop that keeps the event bits.
    /// </summary>
    public void SetGlobalVersion(long version)
    {
        _rt.Check((version & EvalBreakerBits.EventsMask) == 0, $"instrumentation version {version} overlaps the eval breaker's event bits");
        using var _ = _rt.Enter("set_global_version");
        _instrumentationUsed = true;
        SetVersionRaw(InstrumentationVersion, version);

        // Set the version on all threads in free-threaded builds.
        _interp.HeadLock.LockDontDetach();
        foreach (var t in _interp.ThreadStatesForCheck)
        {
            SetVersionRaw(t.EvalBreaker, version);
        }

        _interp.HeadLock.Unlock();
    }

    /// <summary>
    /// <c>init_threadstate</c>'s <c>tstate-&gt;eval_breaker = _Py_atomic_load_uintptr_relaxed(&amp;interp-&gt;ceval.instrumentation_version)</c>.
    /// </summary>
    internal void CopyVersionInto(PyThreadState tstate)
    {
        var version = _instrumentationUsed ? InstrumentationVersion.Load(MemoryOrder.Relaxed) : 0;
        tstate.EvalBreaker.Reinitialize(version);
    }

    /// <summary><c>set_version_raw</c>: a CAS loop that replaces the bits above the event mask and keeps the event bits.</summary>
    private static void SetVersionRaw(AtomicLong word, long version)
    {
        var old = word.Load(MemoryOrder.Relaxed);
        while (!word.CompareExchange(ref old, (old & EvalBreakerBits.EventsMask) | version))
        {
        }
    }
}
