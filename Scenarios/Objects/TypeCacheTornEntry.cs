using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Objects.Types;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Objects;

/// <summary>
/// Two lookups that share a type-cache entry (gh-113743, PR #113930, the seed "Makes _PyType_Lookup thread safe, including:
/// Thread safety of the underlying cache"). The main thread has cached <c>A.x</c> and looks it up again while another
/// thread misses on <c>B.y</c>, whose hash selects the same entry, and refills it. Under the GIL the default build's
/// cache is written and read with no synchronisation; without it, the reader can match the old version and name and
/// load the new value, returning <c>B.y</c> for <c>A.x</c>. The entry's <c>_PySeqLock</c> makes the reader retry.
/// </summary>
/// <remarks>
/// Deviation: the model's cache has one entry here, so that the two lookups collide, as two of CPython's 4,096 entries do
/// when their version tags and name hashes agree in the low 12 bits; the rest as in <see cref="TypesState"/>.
/// </remarks>
[Scenario("type-cache-torn-entry")]
public sealed class TypeCacheTornEntry : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A lookup hits a type-cache entry that another thread is refilling for another type: it returns the value of its own (type, name) or misses, never the other's.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-113743 (PR #113930): make the MRO cache thread-safe in free-threaded builds (one _PySeqLock per entry)",
        "Python/lock.c: _PySeqLock_BeginRead, _PySeqLock_EndRead, _PySeqLock_LockWrite, _PySeqLock_UnlockWrite, _PySeqLock_AbandonWrite (3.13)",
        "Objects/typeobject.c: _PyType_LookupRef, update_cache, update_cache_gil_disabled (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        new("cpython-3.13", "Each entry has a sequence lock: the refill is a write section, and the reader retries if the sequence changed.",
            Expectation.Clean, ModelConfig.Cpython313 with { TypeCache = TypeCacheDesign.Cpython313 with { SizeExp = 0 } }),
        new("unsynchronized-cache",
            "Before gh-113743: the default build's cache (version, then value, then name stored plainly; no sequence) with the GIL disabled.",
            Expectation.Bug("type cache returned"), ModelConfig.Cpython313 with { TypeCache = TypeCacheDesign.Unsynchronized with { SizeExp = 0 } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var types = new TypesState(interp);
        var xName = types.Intern("x", 0x78);
        var yName = types.Intern("y", 0x79);
        var obj = new PyTypeObject("object", 32);
        var a1 = interp.Objects.New(obj, "a1");
        var b1 = interp.Objects.New(obj, "b1");
        var a = types.NewType("A", [], (xName, a1));
        var b = types.NewType("B", [], (yName, b1));
        interp.Refcount.XDecRef(types.LookupRef(a, xName)); // the entry holds (A's version, x, a1)

        var other = PythonThread.Start(runtime, interp, "other", _ => interp.Refcount.XDecRef(types.LookupRef(b, yName)));
        for (var k = 0; k < 2; k++)
        {
            var got = types.LookupRef(a, xName);
            runtime.Check(ReferenceEquals(got, a1), $"the type cache returned {got?.Name ?? "NULL"} for A.x, not a1");
            interp.Refcount.XDecRef(got);
        }

        PythonThread.JoinAll(interp, other);
        types.ClearTypes(a, b);
        interp.CheckNoLeaks([.. types.InternedForCheck]);
    }
}
