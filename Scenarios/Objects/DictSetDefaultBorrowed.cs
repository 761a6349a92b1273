using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Objects.Dict;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Objects;

/// <summary>
/// <c>dict.setdefault</c> racing a replacement of the value (gh-112066, PR #112123, seed "The <c>PyDict_SetDefaultRef</c>
/// function is similar to <c>PyDict_SetDefault</c>, but returns a strong reference"). The main thread calls
/// setdefault on a key whose value a writer thread sets and replaces, twice. <c>PyDict_SetDefault</c> returns a borrowed reference,
/// which only the dict keeps alive: once its critical section ends, the writer's replacement can free the value before
/// the caller's <c>Py_INCREF</c>. <c>PyDict_SetDefaultRef</c> takes the reference inside the critical section.
/// </summary>
/// <remarks>Deviations: those of <see cref="PyDictObject"/>; the caller's "use" of the value is a read of its header.</remarks>
[Scenario("dict-setdefault-borrowed")]
public sealed class DictSetDefaultBorrowed : Scenario<DictSetDefaultDesign>
{
    /// <inheritdoc/>
    public override string Summary =>
        "dict.setdefault races a writer that replaces the value: the result the caller uses must be alive (PyDict_SetDefaultRef's strong reference).";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-112066 (PR #112123): add PyDict_SetDefaultRef ('the returned value may no longer be valid if another thread concurrently modifies the dict'); PR #112211 moves CPython's own callers to it; seed: 'returns a strong reference through the optional **result pointer'",
        "Objects/dictobject.c: PyDict_SetDefaultRef, PyDict_SetDefault, dict_setdefault_ref_lock_held, insertdict (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<DictSetDefaultDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "The caller uses PyDict_SetDefaultRef, whose result is a strong reference taken in the dict's critical section.",
            Expectation.Clean, new(ModelConfig.Cpython313, Borrowed: false)),
        new("setdefault-borrowed",
            "Before 3.13's PyDict_SetDefaultRef: the caller takes PyDict_SetDefault's borrowed result and increments it afterwards, when the writer may already have replaced and freed it.",
            Expectation.Bug("use after free"), new(ModelConfig.Cpython313, Borrowed: true)),
    ];

    /// <summary>How many values the writer stores under the key, each replacing (and freeing) the one before.</summary>
    private const int Replacements = 3;

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, DictSetDefaultDesign design)
    {
        ArgumentNullException.ThrowIfNull(design);
        var interp = new PyInterpreterState(runtime, design.Config);
        var strs = new InternedStrings(interp);
        var dicts = new PyDictObject(interp);
        var intType = new PyTypeObject("int", 32);
        var k = strs.Intern("k", 3);
        var d = dicts.New("D");
        var fallback = interp.Objects.New(intType, "default");

        var writer = PythonThread.Start(runtime, interp, "writer", tstate =>
        {
            for (var n = 1; n <= Replacements; n++)
            {
                DictResizeLockFreeRead.Insert(interp, dicts, d, k, interp.Objects.New(intType, $"v{n}")); // frees the previous value, which the writer owns
            }

            tstate.CheckPeriodic();
        });

        PyObjectPtr result;
        if (design.Borrowed)
        {
            result = dicts.SetDefault(d, k, fallback);
            interp.Refcount.IncRef(result); // the caller's Py_INCREF of the borrowed result
        }
        else
        {
            dicts.SetDefaultRef(d, k, fallback, out result);
        }

        interp.Objects.Header(result).LoadGcBits(); // uses it
        interp.Refcount.DecRef(result);
        interp.Refcount.DecRef(fallback);
        PythonThread.JoinAll(interp, writer);
        var now = dicts.GetItemRef(d, k);
        runtime.Check(now?.Name == $"v{Replacements}", $"D['k'] is {now?.Name ?? "missing"} after the writer set it to v{Replacements}");
        interp.Refcount.XDecRef(now);
        interp.Refcount.DecRef(d);
        interp.CheckNoLeaks([.. strs.All]);
    }
}

/// <summary>The design of <see cref="DictSetDefaultBorrowed"/>.</summary>
/// <param name="Config">The model's configuration.</param>
/// <param name="Borrowed">True: the caller uses <c>PyDict_SetDefault</c>'s borrowed result.</param>
public sealed record DictSetDefaultDesign(ModelConfig Config, bool Borrowed);
