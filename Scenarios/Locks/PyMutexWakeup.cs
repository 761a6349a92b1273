using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Locks;

/// <summary>
/// Calibration: three threads contend for one <see cref="PyMutex"/>, each incrementing a plain counter inside it.
/// Mutual exclusion must hold, the counter must reach its total, and every thread that parks must be woken.
/// The broken variant's unlock skips the <c>_Py_HAS_PARKED</c> hand-shake of <c>_PyMutex_TryUnlock</c>
/// (<c>Python/lock.c</c>), the hazard that bit exists to prevent: a waiter that parked is never unparked.
/// </summary>
/// <remarks>
/// A waiter parks only after <c>MAX_SPIN_COUNT</c> (40) yields, so the schedules that reach the parking lot are those
/// in which the holder is kept from running while others spin: priority-based strategies (PCT, delay bounding) find
/// them; uniform random scheduling practically never does.
/// </remarks>
[Scenario("pymutex-wakeup")]
public sealed class PyMutexWakeup : Scenario<LockDesign>
{
    private const int Workers = 3;
    private const int Rounds = 2;

    /// <inheritdoc/>
    public override string Summary => "Threads contend for a PyMutex: mutual exclusion holds and every parked waiter is woken.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Python/lock.c: _PyMutex_LockTimed, _PyMutex_TryUnlock, mutex_unpark (3.13)",
        "Python/parking_lot.c: _PyParkingLot_Park, _PyParkingLot_Unpark",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<LockDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "PyMutex as in CPython 3.13: unlock unparks a waiter when _Py_HAS_PARKED is set.",
            Expectation.Clean, LockDesign.Cpython313),
        new("unlock-ignores-parked", "Broken: unlock clears the byte without looking at _Py_HAS_PARKED, so a parked waiter is never woken (a lost wake-up).",
            Expectation.Bug("Deadlock"), LockDesign.Cpython313 with { MutexUnlock = MutexUnlockProtocol.IgnoreParkedWaiters }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, LockDesign design)
    {
        var mutex = new PyMutex(runtime, "m", design);
        var counter = new PlainCell<int>(runtime, "counter");
        var holder = new PlainCell<int>(runtime, "holder");
        var workers = Enumerable.Range(0, Workers).Select(i => runtime.StartThread($"worker{i}", () =>
        {
            var me = runtime.CurrentThread.Id;
            for (var r = 0; r < Rounds; r++)
            {
                mutex.Lock();
                runtime.Check(holder.Read() == 0, $"mutual exclusion broken: T{me} acquired m while T{holder.Peek()} holds it");
                holder.Write(me);
                counter.Write(counter.Read() + 1);
                holder.Write(0);
                mutex.Unlock();
            }
        })).ToList();

        foreach (var w in workers)
        {
            w.Join();
        }

        runtime.Check(counter.Peek() == Workers * Rounds, $"lost update: counter is {counter.Peek()}, expected {Workers * Rounds}");
        runtime.Check(!mutex.IsLockedForCheck, "m is still locked after every thread unlocked it");
    }
}
