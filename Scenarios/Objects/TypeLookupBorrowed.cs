using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Objects.Types;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Objects;

/// <summary>
/// A type attribute lookup racing an assignment to that attribute (gh-118362, PR #118454, "Fix thread safety around
/// lookups from the type cache in the face of concurrent mutators"; the seed: borrowed references from
/// <c>_PyType_GetMRO</c> "aren't safe"). A reader looks up <c>C.f</c> and uses the result while the main thread, which owns
/// the old function, assigns <c>C.f = g</c> and so frees the old one. <c>_PyType_LookupRef</c> takes its reference inside
/// the cache's read section (or under <c>TYPE_LOCK</c>), and the assignment invalidates the version tag before it
/// replaces the value; a caller of the borrowed <c>_PyType_Lookup</c> that increments the result afterwards, as every
/// caller did before the PR, can increment a freed function.
/// </summary>
/// <remarks>Deviations: those of <see cref="TypesState"/>; the reader's "call" of the function is a read of its header.</remarks>
[Scenario("type-lookup-borrowed")]
public sealed class TypeLookupBorrowed : Scenario<TypeLookupDesign>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A type-cache lookup races an assignment that frees the old attribute: the result the reader uses is alive, and after the assignment lookups see the new value.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-118362 (PR #118454): _PyType_LookupRef (first named _PyType_Fetch), type_setattro clears the version before replacing the value",
        "gh-113743 (PR #113930): the type cache's sequence locks",
        "Objects/typeobject.c: _PyType_LookupRef, _PyType_Lookup, type_setattro, type_update_dict, type_modified_unlocked, assign_version_tag, update_cache_gil_disabled (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<TypeLookupDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "The reader calls _PyType_LookupRef, which returns a strong reference.", Expectation.Clean,
            new(ModelConfig.Cpython313, Borrowed: false)),
        new("borrowed-lookup",
            "Before PR #118454: the reader takes the borrowed result of _PyType_Lookup and increments it afterwards, when the assignment may already have freed it.",
            Expectation.Bug("use after free"), new(ModelConfig.Cpython313, Borrowed: true)),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, TypeLookupDesign design)
    {
        ArgumentNullException.ThrowIfNull(design);
        var interp = new PyInterpreterState(runtime, design.Config);
        var types = new TypesState(interp);
        var fName = types.Intern("f", 0x66);
        var function = new PyTypeObject("function", 32);
        var g = interp.Objects.New(function, "g");
        var c = types.NewType("C", [], (fName, interp.Objects.New(function, "f")));
        interp.Refcount.XDecRef(types.LookupRef(c, fName)); // assigns C's version tag and fills the cache

        var reader = PythonThread.Start(runtime, interp, "reader", tstate =>
        {
            for (var k = 0; k < 2; k++)
            {
                var fn = design.Borrowed ? types.Lookup(c, fName) : types.LookupRef(c, fName);
                if (fn is not null)
                {
                    if (design.Borrowed)
                    {
                        interp.Refcount.IncRef(fn); // the caller's Py_INCREF of a borrowed result
                    }

                    interp.Objects.Header(fn).LoadGcBits(); // calls it
                    interp.Refcount.DecRef(fn);
                }

                tstate.CheckPeriodic();
            }
        });

        types.SetAttr(c, fName, g); // C.f = g: frees f, which the main thread owns
        PythonThread.JoinAll(interp, reader);
        var now = types.LookupRef(c, fName);
        runtime.Check(ReferenceEquals(now, g), $"after C.f = g, a lookup of C.f returned {now?.Name ?? "NULL"}: a stale cache entry");
        interp.Refcount.XDecRef(now);
        types.ClearTypes(c);
        interp.CheckNoLeaks([.. types.InternedForCheck]);
    }
}

/// <summary>The design of <see cref="TypeLookupBorrowed"/>.</summary>
/// <param name="Config">The model's configuration.</param>
/// <param name="Borrowed">True: the reader uses <c>_PyType_Lookup</c>'s borrowed result.</param>
public sealed record TypeLookupDesign(ModelConfig Config, bool Borrowed);
