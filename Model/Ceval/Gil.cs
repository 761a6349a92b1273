using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Ceval;

/// <summary>
/// The GIL: <c>struct _gil_runtime_state</c> (<c>Include/internal/pycore_gil.h</c>) with <c>take_gil</c>, <c>drop_gil</c> and
/// <c>drop_gil_impl</c> (<c>Python/ceval_gil.c</c>, 3.13, <c>FORCE_SWITCHING</c> defined). <c>locked</c> says whether a
/// thread holds it and is changed under <c>mutex</c>; a waiter waits on <c>cond</c> for the switch interval, and each
/// timeout with no switch in between sets <c>_PY_GIL_DROP_REQUEST_BIT</c> in the holder's eval breaker; the holder drops the
/// GIL at its next eval-breaker check and, with <c>FORCE_SWITCHING</c>, waits on <c>switch_cond</c> until another thread has
/// taken it. In the free-threaded build <c>enabled</c> decides whether the GIL is used at all: <c>take_gil</c> returns at
/// once while it is 0 and re-checks it after waiting; <c>drop_gil</c> returns at once unless the thread holds the GIL.
/// </summary>
/// <remarks>
/// Deviations: <c>gil-&gt;mutex</c> and <c>switch_mutex</c> (pthread mutexes) are <see cref="PyMutex"/>es without spinning,
/// taken without detaching; the condition variables are <see cref="PyCondVar"/>. The switch interval is a timed wait on the
/// virtual clock. <c>_PyThreadState_MustExit</c> (finalization) is not modelled here. With <c>PYTHON_GIL=0</c>
/// <c>gil-&gt;enabled</c> is 0 from <c>init_own_gil</c> on and nothing ever writes it, so the model reads the configuration
/// instead of the cell: the same value, without a scheduling point, which leaves the schedules of every scenario that does
/// not involve the GIL as they were.
/// </remarks>
public sealed class Gil
{
    private readonly SimRuntime _rt;
    private readonly GilDesign _design;

    internal Gil(SimRuntime runtime, GilDesign design)
    {
        _rt = runtime;
        _design = design;
        var pthreadMutex = LockDesign.Cpython313 with { MaxSpinCount = 0 };
        Mutex = new PyMutex(runtime, "gil->mutex", pthreadMutex);
        Cond = new PyCondVar(runtime, "gil->cond");
        SwitchMutex = new PyMutex(runtime, "gil->switch_mutex", pthreadMutex);
        SwitchCond = new PyCondVar(runtime, "gil->switch_cond", design.SwitchCondWait);

        // init_own_gil: gil->enabled = config->enable_gil == _PyConfig_GIL_ENABLE ? INT_MAX : 0; then create_gil.
        Enabled = new AtomicInt(runtime, "gil->enabled", design.PythonGil == PythonGil.Enabled ? int.MaxValue : 0);
        Locked = new AtomicInt(runtime, "gil->locked");
        LastHolder = new AtomicRef<PyThreadState>(runtime, "gil->last_holder");
        SwitchNumber = new PlainCell<long>(runtime, "gil->switch_number");
    }

    /// <summary><c>enabled</c>: <c>INT_MAX</c> for good, n &gt; 0 for n transient requests, 0 off (relaxed atomics).</summary>
    public AtomicInt Enabled { get; }

    /// <summary><c>locked</c>: 1 while a thread holds the GIL (relaxed atomics, changed under <see cref="Mutex"/>).</summary>
    public AtomicInt Locked { get; }

    /// <summary><c>last_holder</c>: the thread state that took the GIL last (relaxed atomics).</summary>
    public AtomicRef<PyThreadState> LastHolder { get; }

    /// <summary><c>switch_number</c>: how many times the GIL changed hands (under <see cref="Mutex"/>).</summary>
    public PlainCell<long> SwitchNumber { get; }

    /// <summary><c>mutex</c>.</summary>
    public PyMutex Mutex { get; }

    /// <summary><c>cond</c>: signalled when the GIL is dropped.</summary>
    public PyCondVar Cond { get; }

    /// <summary><c>switch_mutex</c> (<c>FORCE_SWITCHING</c>).</summary>
    public PyMutex SwitchMutex { get; }

    /// <summary><c>switch_cond</c> (<c>FORCE_SWITCHING</c>): signalled when a thread has taken the GIL.</summary>
    public PyCondVar SwitchCond { get; }

    /// <summary>True if the GIL can never be enabled: <c>PYTHON_GIL=0</c>.</summary>
    internal bool NeverEnabled => _design.PythonGil == PythonGil.Disabled;

    /// <summary>
    /// <c>_Py_atomic_load_int_relaxed(&amp;gil-&gt;enabled) != 0</c> (<c>_PyEval_IsGILEnabled</c>); no scheduling point with
    /// <c>PYTHON_GIL=0</c>, where the value is 0 for good.
    /// </summary>
    internal bool IsEnabled() => !NeverEnabled && Enabled.Load(MemoryOrder.Relaxed) != 0;

    /// <summary>
    /// <c>take_gil</c>: returns at once while the GIL is disabled; otherwise waits under <see cref="Mutex"/> until it is
    /// free, asking the holder to drop it each time a switch interval passes without a switch; re-checks
    /// <c>enabled</c>; takes it (under <c>switch_mutex</c>, signalling <c>switch_cond</c>); clears its own drop request.
    /// </summary>
    internal void Take(PyThreadState tstate)
    {
        tstate.ExitIfMustExit(); // if (_PyThreadState_MustExit(tstate)) PyThread_exit_thread()
        if (!IsEnabled())
        {
            return;
        }

        using var _ = _rt.Enter("take_gil");
        Mutex.LockDontDetach();
        while (Locked.Load(MemoryOrder.Relaxed) != 0)
        {
            var savedSwitchnum = SwitchNumber.Read();
            var timedOut = Cond.TimedWait(Mutex, _design.IntervalNanos);

            // If we timed out and no switch occurred in the meantime, it is time to ask the GIL-holding thread to drop it.
            if (timedOut && Locked.Load(MemoryOrder.Relaxed) != 0 && SwitchNumber.Read() == savedSwitchnum)
            {
                var holder = LastHolder.Load(MemoryOrder.Relaxed);
                holder?.SetEvalBreakerBit(EvalBreakerBits.GilDropRequest);
            }
        }

        if (_design.TakeGilRechecksEnabled && !IsEnabled())
        {
            // Another thread disabled the GIL between our check above and now. Don't take the GIL, signal any other
            // waiting threads, and return.
            Cond.Signal();
            Mutex.Unlock();
            return;
        }

        // This mutex must be taken before modifying gil->last_holder: see drop_gil().
        SwitchMutex.LockDontDetach();

        // We now hold the GIL.
        Locked.Store(1, MemoryOrder.Relaxed);
        _rt.Check(Enabled.Peek() != 0, $"{tstate.Thread} took the GIL after it was disabled (gil->enabled is 0): it holds a GIL that no other thread waits for or respects");
        if (!ReferenceEquals(tstate, LastHolder.Load(MemoryOrder.Relaxed)))
        {
            LastHolder.Store(tstate, MemoryOrder.Relaxed);
            SwitchNumber.Write(SwitchNumber.Read() + 1);
        }

        SwitchCond.Signal();
        SwitchMutex.Unlock();

        tstate.HoldsGil = true;
        tstate.UnsetEvalBreakerBit(EvalBreakerBits.GilDropRequest);

        // update_eval_breaker_for_thread(interp, tstate) returns at once in the free-threaded build.
        Mutex.Unlock();
    }

    /// <summary>
    /// <c>drop_gil</c>: nothing unless the thread holds the GIL; otherwise records it as the last holder (except on the final
    /// release of an exiting thread), frees the GIL and wakes a waiter (<see cref="DropImpl"/>), and, if it was asked to
    /// drop it, waits on <c>switch_cond</c> until another thread has taken it (<c>FORCE_SWITCHING</c>).
    /// </summary>
    internal void Drop(PyThreadState tstate, bool finalRelease)
    {
        // Check if we have the GIL before dropping it.
        if (!tstate.HoldsGil)
        {
            return;
        }

        using var _ = _rt.Enter("drop_gil");
        if (Locked.Load(MemoryOrder.Relaxed) == 0)
        {
            _rt.Fail("drop_gil: GIL is not locked");
        }

        if (!finalRelease)
        {
            // Sub-interpreter support: fix the GIL last holder variable so that our heuristics work.
            LastHolder.Store(tstate, MemoryOrder.Relaxed);
        }

        DropImpl(tstate);

        if (!finalRelease && tstate.EvalBreakerBitIsSet(EvalBreakerBits.GilDropRequest))
        {
            SwitchMutex.LockDontDetach();

            // Not switched yet => wait.
            if (ReferenceEquals(LastHolder.Load(MemoryOrder.Relaxed), tstate))
            {
                tstate.UnsetEvalBreakerBit(EvalBreakerBits.GilDropRequest);
                SwitchCond.Wait(SwitchMutex);
            }

            SwitchMutex.Unlock();
        }
    }

    /// <summary><c>drop_gil_impl</c>: under <see cref="Mutex"/>, mark the GIL free and wake one waiter.</summary>
    internal void DropImpl(PyThreadState tstate)
    {
        Mutex.LockDontDetach();
        Locked.Store(0, MemoryOrder.Relaxed);
        tstate.HoldsGil = false;
        Cond.Signal();
        Mutex.Unlock();
    }

    /// <summary>
    /// The invariant of the GIL for a thread that runs Python code (checked at its periodic checks, without a scheduling
    /// point): while the GIL is enabled, a thread that is attached holds it.
    /// </summary>
    internal void CheckRunsWithGil(PyThreadState tstate)
    {
        if (NeverEnabled || Enabled.Peek() == 0 || tstate.HoldsGil)
        {
            return;
        }

        _rt.Fail($"{tstate.Thread} runs Python code while the GIL is enabled (gil->enabled is {Enabled.Peek()}) but it does not hold the GIL ({LastHolder.Peek()?.Thread.ToString() ?? "nobody"} took it last): two threads can run at once");
    }
}
