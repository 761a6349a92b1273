using Sim.Runtime;

namespace Sim.Model.Gc;

/// <summary>
/// The old-space bookkeeping of the default build's incremental collector (<c>Python/gc.c</c>, GH-108362 and the seed
/// "Change old space bit of young objects from 0 to <c>gcstate-&gt;visited_space</c>. This ensures that any object created
/// *and* collected during cycle GC has the bit set correctly"), on its own: the old generation is two lists, a bit in each
/// object's <c>_gc_next</c> names its list, and <c>visited_space</c> names the list of objects already scanned in this cycle.
/// An increment moves the survivors of the young list into the visited list as they are (<c>gc_list_merge</c>), then
/// scans objects of the other list, setting their bit (<c>gc_list_set_space</c>) and moving them to the visited list; when
/// the other list is empty, the cycle is complete and flipping <c>visited_space</c> swaps the roles without touching any
/// bit. Invariant (<c>validate_old</c>): every object's bit equals the index of its old list.
/// </summary>
/// <remarks>
/// [version-uncertain] Read from MECHANISMS.md A9 (the PR texts of GH-108362 and #116206) and the seed, not from the
/// revision's <c>gc.c</c>, which was not read: that the young survivors are merged without rewriting their bits is
/// inferred from the seed's reason. The incremental collector was reverted before 3.13.0 and came back in 3.14, whose
/// <c>_PyObject_GC_TRACK</c> gives young objects the not-visited bit and sets the space of young survivors explicitly; that
/// rule is not modelled. The collector runs under the GIL (one thread); objects are names, not memory, and nothing is
/// freed: only the lists and bits are modelled.
/// </remarks>
public sealed class IncrementalGc
{
    private readonly SimRuntime _rt;
    private readonly YoungSpaceBit _rule;
    private readonly List<GcHead> _young = [];
    private readonly List<GcHead>[] _old = [[], []];

    /// <summary>A collector whose young objects get their bit by <paramref name="rule"/>.</summary>
    public IncrementalGc(SimRuntime runtime, YoungSpaceBit rule)
    {
        _rt = runtime;
        _rule = rule;
    }

    /// <summary><c>gcstate-&gt;visited_space</c>: 0 or 1.</summary>
    public int VisitedSpace { get; private set; }

    /// <summary>How many cycles completed (<c>visited_space</c> flips).</summary>
    public int CompletedCycles { get; private set; }

    /// <summary>
    /// <c>_PyObject_GC_TRACK</c>: appends a new object to the young list, with the old-space bit of <see cref="YoungSpaceBit"/>.
    /// </summary>
    public GcHead Track(string name)
    {
        var head = new GcHead(name, _rule == YoungSpaceBit.VisitedSpace ? VisitedSpace : 0);
        _young.Add(head);
        return head;
    }

    /// <summary>
    /// <c>gc_collect_increment</c>: the young list's objects (all survive in the model) join the visited list as they are;
    /// then up to <paramref name="scan"/> objects of the not-visited list are scanned into the visited list; an empty
    /// not-visited list completes the cycle. <c>validate_old</c> then checks every bit.
    /// </summary>
    public void CollectIncrement(int scan)
    {
        var visited = _old[VisitedSpace];
        var pending = _old[1 - VisitedSpace];
        visited.AddRange(_young); // gc_list_merge(&young, visited): bits kept
        _young.Clear();
        for (var i = 0; i < scan && pending.Count > 0; i++)
        {
            var op = pending[0];
            pending.RemoveAt(0);
            op.OldSpace = VisitedSpace; // gc_list_set_space
            visited.Add(op);
        }

        if (pending.Count == 0)
        {
            VisitedSpace = 1 - VisitedSpace; // completed_cycle: the visited list becomes the one to scan
            CompletedCycles++;
        }

        ValidateOld();
    }

    /// <summary><c>validate_old</c>: each object of <c>old[i]</c> has old-space bit <c>i</c>.</summary>
    private void ValidateOld()
    {
        for (var space = 0; space < 2; space++)
        {
            foreach (var op in _old[space])
            {
                _rt.Check(op.OldSpace == space, $"incremental gc: {op.Name} is in old[{space}] with old-space bit {op.OldSpace} (visited_space is {VisitedSpace})");
            }
        }
    }
}

/// <summary>An object's <c>PyGC_Head</c> as the incremental collector sees it: its name and its old-space bit.</summary>
/// <param name="Name">The object's name.</param>
/// <param name="OldSpace">The bit in <c>_gc_next</c> (<c>_PyGC_NEXT_MASK_OLD_SPACE_1</c>).</param>
public sealed record GcHead(string Name, int OldSpace)
{
    /// <summary>The old-space bit.</summary>
    public int OldSpace { get; set; } = OldSpace;
}

/// <summary>The old-space bit a newly tracked (young) object gets.</summary>
public enum YoungSpaceBit
{
    /// <summary>The seed's change: <c>gcstate-&gt;visited_space</c>, so that young survivors merged into the visited list fit it.</summary>
    VisitedSpace,

    /// <summary>Before it: 0, whatever <c>visited_space</c> is; wrong for objects created while <c>visited_space</c> is 1.</summary>
    Zero,
}
