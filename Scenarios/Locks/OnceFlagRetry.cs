using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Locks;

/// <summary>
/// Calibration: three threads call <c>_PyOnceFlag_CallOnce</c> on one flag whose initialiser may fail (a controlled
/// choice, as a <c>MemoryError</c> would). A caller that gets 0 must see the initialised value; the initialiser must
/// succeed at most once; a failure must let the next caller retry and must wake the callers waiting on the flag
/// (<c>unlock_once</c>, <c>Python/lock.c</c>). Two broken variants drop one half of that each.
/// </summary>
[Scenario("once-flag-retry")]
public sealed class OnceFlagRetry : Scenario<LockDesign>
{
    private const int Callers = 3;
    private const int Initialized = 42;

    /// <inheritdoc/>
    public override string Summary => "A failed _PyOnceFlag initialiser lets the next caller retry and wakes the waiters; success happens once.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Python/lock.c: _PyOnceFlag_CallOnceSlow, unlock_once (3.13)",
        "Include/internal/pycore_lock.h: _PyOnceFlag_CallOnce",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<LockDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "_PyOnceFlag as in CPython 3.13: a failure resets the flag to UNLOCKED and unparks all waiters.",
            Expectation.Clean, LockDesign.Cpython313),
        new("failure-marks-initialized", "Broken: a failed initialiser marks the flag INITIALIZED, so no caller ever retries and later callers report success with nothing initialised.",
            Expectation.Bug("returned success but the initializer never succeeded"), LockDesign.Cpython313 with { OnceFailure = OnceFailureProtocol.MarkInitialized }),
        new("failure-forgets-waiters", "Broken: a failed initialiser resets the flag with a plain store, dropping HAS_PARKED without waking the callers parked on it.",
            Expectation.Bug("Deadlock"), LockDesign.Cpython313 with { OnceFailure = OnceFailureProtocol.ResetWithoutUnpark }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, LockDesign design)
    {
        var flag = new PyOnceFlag(runtime, "once", design);
        var value = new AtomicInt(runtime, "value");
        var successes = new AtomicInt(runtime, "successes");

        int Initializer()
        {
            if (runtime.ChooseBool("the initializer fails (MemoryError)"))
            {
                return -1;
            }

            successes.FetchAdd(1);
            value.Store(Initialized);
            return 0;
        }

        var callers = Enumerable.Range(0, Callers).Select(i => runtime.StartThread($"caller{i}", () =>
        {
            if (flag.CallOnce(Initializer) == 0)
            {
                runtime.Check(value.Load() == Initialized, $"{runtime.CurrentThread}: _PyOnceFlag_CallOnce returned success but the initializer never succeeded");
            }
        })).ToList();

        foreach (var c in callers)
        {
            c.Join();
        }

        runtime.Check(successes.Peek() <= 1, $"the initializer succeeded {successes.Peek()} times");
        runtime.Check(flag.IsInitializedForCheck == (successes.Peek() == 1), $"the flag says {flag} after {successes.Peek()} successful initializations");
    }
}
