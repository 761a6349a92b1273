using Sim.Model.Interpreter;
using Sim.Runtime.Cells;

namespace Sim.Model.Objects.Dict;

/// <summary>
/// Interned <c>str</c> objects to use as dict keys: exact, interned and immortal, as the free-threaded 3.13 build makes
/// interned strings (<c>_PyUnicode_InternMortal</c> immortalises them there), with their hash cached in the object
/// (<c>((PyASCIIObject *)o)-&gt;hash</c>, read by <c>unicode_get_hash</c>, <c>Objects/dictobject.c</c>).
/// </summary>
/// <remarks>
/// Deviations: the scenario picks each hash (no string hashing), and two interned strings are equal only if they are the
/// same object, so <c>unicode_eq</c> is pointer equality; the object's body holds only the hash.
/// </remarks>
public sealed class InternedStrings
{
    private readonly PyInterpreterState _interp;
    private readonly List<PyObjectPtr> _all = [];

    /// <summary>Creates the <c>str</c> type for an interpreter.</summary>
    public InternedStrings(PyInterpreterState interp)
    {
        ArgumentNullException.ThrowIfNull(interp);
        _interp = interp;
        Type = new PyTypeObject("str", PyTypeObject.HeaderSize + 8);
    }

    /// <summary>The <c>str</c> type.</summary>
    public PyTypeObject Type { get; }

    /// <summary>Every string interned so far (immortal: pass them as alive to the leak check).</summary>
    public IReadOnlyList<PyObjectPtr> All => _all;

    /// <summary>
    /// An interned, immortal str named <paramref name="text"/> whose hash is <paramref name="hash"/>. Call it before other
    /// threads start (interning is not modelled as a concurrent operation).
    /// </summary>
    public PyObjectPtr Intern(string text, long hash)
    {
        var s = _interp.Objects.New(Type, text);
        _interp.Mimalloc.Checker.Body(s).StoreInt(0, hash, MemoryOrder.Relaxed, $"{text}.hash");
        var h = _interp.Objects.Header(s);
        h.StoreTid(0, MemoryOrder.Relaxed); // _Py_SetImmortal: ob_tid = _Py_UNOWNED_TID, ob_ref_local = _Py_IMMORTAL_REFCNT_LOCAL
        h.InitializeLocal(RefcountBits.ImmortalRefcntLocal);
        _all.Add(s);
        return s;
    }
}
