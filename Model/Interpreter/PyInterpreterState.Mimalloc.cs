using Sim.Model.Mimalloc;
using Sim.Model.Objects;

namespace Sim.Model.Interpreter;

/// <summary>The simulated heap: <c>interp-&gt;mimalloc</c>, the object and raw allocators, and the end-of-iteration leak check.</summary>
public sealed partial class PyInterpreterState
{
    /// <summary><c>interp-&gt;mimalloc</c>: the abandoned pool, plus the arena and the heap checker.</summary>
    public MimallocInterpState Mimalloc { get; }

    /// <summary><c>PyObject_New</c> and <c>_Py_Dealloc</c>.</summary>
    public PyObjectAllocator Objects { get; }

    /// <summary><c>PyMem_Malloc</c> and <c>PyMem_Free</c>.</summary>
    public PyMem Mem { get; }

    /// <summary>
    /// The end-of-iteration check: every block still allocated is reported as a leak (with its header and true count),
    /// except memory waiting in a delayed-free queue and the objects in <paramref name="alive"/>.
    /// </summary>
    public void CheckNoLeaks(params MiPtr[] alive)
    {
        var pending = DelayedFree.PendingForCheck(ThreadStatesForCheck).Select(i => i.Ptr);
        Mimalloc.Checker.CheckNoLeaks(Mimalloc.Arena, pending, alive);
    }
}
