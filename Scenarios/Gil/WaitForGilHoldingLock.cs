using Sim.Model.Ceval;
using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Gil;

/// <summary>
/// A lock held while the GIL is waited for (<c>_PY_LOCK_DETACH</c>, <c>Include/internal/pycore_lock.h</c>;
/// <c>take_gil</c>, <c>Python/ceval_gil.c</c>, 3.13). One thread takes a <c>PyMutex</c>, releases its thread state around
/// a blocking call (<c>Py_BEGIN_ALLOW_THREADS</c>) and re-attaches, which with <c>PYTHON_GIL=1</c> waits for the GIL, all
/// while holding the mutex; another thread, holding the GIL, locks the same mutex. <c>PyMutex_Lock</c> detaches while it
/// waits ("Detach/release the GIL while waiting on the lock"), so the GIL passes to the first thread, which then unlocks.
/// A lock taken with <c>_Py_LOCK_DONT_DETACH</c> keeps the GIL while it waits: with the GIL that is a deadlock (the GIL
/// waiter wakes every switch interval forever, so it shows as a livelock); without the GIL it is harmless.
/// </summary>
[Scenario("gil-wait-holding-lock")]
public sealed class WaitForGilHoldingLock : Scenario<WaitForGilHoldingLock.Design>
{
    /// <summary>The GIL setting, and whether the second thread's lock detaches while it waits.</summary>
    /// <param name="Gil">The GIL's design.</param>
    /// <param name="LockDetaches"><c>PyMutex_Lock</c> (<c>_PY_LOCK_DETACH</c>) rather than <c>_Py_LOCK_DONT_DETACH</c>.</param>
    public sealed record Design(GilDesign Gil, bool LockDetaches);

    /// <inheritdoc/>
    public override string Summary => "A thread waits for the GIL while holding a mutex that the GIL holder wants: the holder's wait must release the GIL.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Include/internal/pycore_lock.h: _PyLockFlags, _PY_LOCK_DETACH and _Py_LOCK_DONT_DETACH (3.13)",
        "Python/lock.c: _PyMutex_LockTimed; Python/parking_lot.c: _PyParkingLot_Park detaches (3.13)",
        "Python/ceval_gil.c: take_gil, drop_gil (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<Design>> DefineVariants() =>
    [
        new("cpython-3.13", "PYTHON_GIL=1; PyMutex_Lock releases the GIL while it waits.", Expectation.Clean, new(GilDesign.Enabled, LockDetaches: true)),
        new("dont-detach-without-gil", "PYTHON_GIL=0 with a _Py_LOCK_DONT_DETACH lock: no GIL to wait for, so no cycle.", Expectation.Clean, new(GilDesign.Disabled, LockDetaches: false)),
        new("dont-detach-with-gil", "PYTHON_GIL=1 with a _Py_LOCK_DONT_DETACH lock: the GIL holder waits for the mutex, the mutex holder for the GIL.",
            Expectation.Bug("Livelock"), new(GilDesign.Enabled, LockDetaches: false)),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, Design design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Gil = design.Gil });
        var m = new PyMutex(runtime, "m");
        var holder = PythonThread.Start(runtime, interp, "holds-m", t =>
        {
            m.Lock();
            t.Detach(); // Py_BEGIN_ALLOW_THREADS: a blocking call
            t.Attach(); // Py_END_ALLOW_THREADS: waits for the GIL, m still held
            t.CheckPeriodic();
            m.Unlock();
        });
        var wanter = PythonThread.Start(runtime, interp, "wants-m", t =>
        {
            t.CheckPeriodic();
            if (design.LockDetaches)
            {
                m.Lock();
            }
            else
            {
                m.LockDontDetach();
            }

            t.CheckPeriodic();
            m.Unlock();
        });
        PythonThread.JoinAll(interp, holder, wanter);
    }
}
