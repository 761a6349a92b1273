using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Threading;

/// <summary>
/// <c>threading.RLock</c> across threads (<c>rlock_acquire</c>, <c>rlock_release</c>, <c>rlock_is_owned</c>;
/// <c>Modules/_threadmodule.c</c>, 3.13; the seed on <c>rlock_owner</c> and <c>rlock_count</c>). Two threads each take the
/// lock twice (recursively) and release it twice; before that each asks whether it owns the lock (<c>_is_owned()</c>, as
/// <c>threading.Condition</c> does). Ownership must be exclusive, a thread must never believe it owns a lock it does not
/// hold, and the non-owners' reads of <c>rlock_owner</c> must not race with the holder's writes.
/// </summary>
[Scenario("rlock-owner")]
public sealed class RLockOwner : Scenario<RLockOwnerAccess>
{
    /// <inheritdoc/>
    public override string Summary => "Two threads take an RLock recursively while the other asks whether it owns it: exclusive, no false ownership, no data race on rlock_owner.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "seed: \"The ID of the owning thread (rlock_owner) may be accessed by multiple threads without holding the underlying lock; relaxed atomics are used\"",
        "Modules/_threadmodule.c: rlock_acquire, rlock_release, rlock_is_owned (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<RLockOwnerAccess>> DefineVariants() =>
    [
        new("cpython-3.13", "rlock_owner is read and written with relaxed atomics; rlock_count is plain, touched only by the holder.",
            Expectation.Clean, RLockOwnerAccess.RelaxedAtomics),
        new("rlock-plain-owner", "Before the seed's change (MECHANISMS.md A10): rlock_owner is a plain field, read by threads that do not hold the lock.",
            Expectation.Bug("data race on r.rlock_owner"), RLockOwnerAccess.PlainField),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, RLockOwnerAccess access)
    {
        var interp = new PyInterpreterState(runtime);
        var r = new RLock(runtime, "r", access);
        var inside = new AtomicInt(runtime, "threads inside r");
        var workers = Enumerable.Range(0, 2).Select(i => PythonThread.Start(runtime, interp, $"worker{i}", t =>
        {
            runtime.Check(!r.IsOwned(), $"{t.Thread} believes it owns {r} before acquiring it");
            r.Acquire();
            runtime.Check(inside.FetchAdd(1) == 0, $"two threads hold {r}");
            r.Acquire(); // recursive
            runtime.Check(r.IsOwned() && r.CountForCheck == 2, $"{t.Thread} holds {r} twice but it says otherwise");
            r.Release();
            inside.FetchAdd(-1);
            r.Release();
        })).ToArray();
        PythonThread.JoinAll(interp, workers);
        runtime.Check(r.OwnerForCheck == 0 && r.CountForCheck == 0, $"{r} is still owned after both threads released it");
    }
}
