using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Objects.Dict;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;
using Sim.Scenarios.Memory;

namespace Sim.Scenarios.Objects;

/// <summary>
/// A lock-free dict read racing a resize (gh-112075, PR #115109 "Accessing a single element should optimistically avoid locking":
/// <c>_Py_dict_lookup_threadsafe</c>, <c>ensure_shared_on_read</c>, <c>free_keys_object</c>'s <c>use_qsbr</c>). The main
/// thread owns a dict of five keys and adds a sixth, which makes <c>dictresize</c> replace its keys; a reader thread looks
/// up a key with <c>PyDict_GetItemRef</c>, probing the keys without the lock. Its first read marks the dict shared (in the
/// dict's critical section, so either before the resize or after it), and a resize of a shared dict frees the old keys
/// through QSBR, after the reader's next quiescent state.
/// </summary>
/// <remarks>Deviations: those of <see cref="PyDictObject"/>; the reader's "use" of the value is a read of its header.</remarks>
[Scenario("dict-resize-lock-free-read")]
public sealed class DictResizeLockFreeRead : Scenario<ModelConfig>
{
    /// <inheritdoc/>
    public override string Summary =>
        "A lock-free PyDict_GetItemRef probes a dict's keys while its owner's insertion resizes it: the old keys must not be freed under the reader.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-112075: PR #114508 (the seed: 'Starts adding thread safety to dict objects', critical sections), PR #115109 (lock-free single-item reads, shared tracking, QSBR frees)",
        "Objects/dictobject.c: _Py_dict_lookup_threadsafe, ensure_shared_on_read, ensure_shared_on_resize, dictresize, free_keys_object (3.13)",
        "Objects/obmalloc.c: _PyMem_FreeDelayed (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ModelConfig>> DefineVariants() =>
    [
        .. QsbrVariants.Cpython313(
            "CPython 3.13: the reader marks the dict shared; the resize frees the old keys with _PyMem_FreeDelayed.",
            "the old keys are freed"),
        new("free-keys-at-once",
            "A plausible broken design that QSBR exists to prevent: free_keys_object frees the old keys with PyMem_Free even though the dict is shared, under the reader's probe.",
            Expectation.Bug("reuse under a reader"), ModelConfig.Cpython313 with { Dict = DictDesign.Cpython313 with { FreeKeysWithQsbr = false } }),
        new("no-ensure-shared-on-read",
            "A plausible broken design that ensure_shared_on_read exists to prevent: the reader does not mark the dict shared, so the owner's resize frees the keys at once.",
            Expectation.Bug("reuse under a reader"), ModelConfig.Cpython313 with { Dict = DictDesign.Cpython313 with { EnsureSharedOnRead = false } }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ModelConfig design)
    {
        var interp = new PyInterpreterState(runtime, design);
        var strs = new InternedStrings(interp);
        var dicts = new PyDictObject(interp);
        var intType = new PyTypeObject("int", 32);
        var keys = Enumerable.Range(0, 6).Select(i => strs.Intern(((char)('a' + i)).ToString(), i)).ToArray();
        var d = dicts.New("D");
        foreach (var k in keys[..5])
        {
            Insert(interp, dicts, d, k, interp.Objects.New(intType, $"v{k.Name}"));
        }

        var reader = PythonThread.Start(runtime, interp, "reader", tstate =>
        {
            for (var n = 0; n < 3; n++)
            {
                var v = dicts.GetItemRef(d, keys[0]);
                runtime.Check(v is not null, $"{tstate.Thread} found no value for 'a', which D always holds");
                interp.Objects.Header(v).LoadGcBits(); // uses the value
                interp.Refcount.DecRef(v);
                tstate.CheckPeriodic();
            }
        });

        Insert(interp, dicts, d, keys[5], interp.Objects.New(intType, "vf")); // the keys are full: dictresize
        interp.MainThreadState.CheckPeriodic();
        PythonThread.JoinAll(interp, reader);
        foreach (var k in keys)
        {
            var v = dicts.GetItemRef(d, k);
            runtime.Check(v is not null, $"D['{k.Name}'] is missing after the resize");
            interp.Refcount.DecRef(v);
        }

        interp.Refcount.DecRef(d);
        interp.CheckNoLeaks([.. strs.All]);
    }

    /// <summary><c>D[k] = v</c>, then the caller's reference to <paramref name="v"/> is dropped.</summary>
    internal static void Insert(PyInterpreterState interp, PyDictObject dicts, PyObjectPtr d, PyObjectPtr k, PyObjectPtr v)
    {
        dicts.SetItem(d, k, v);
        interp.Refcount.DecRef(v);
    }
}
