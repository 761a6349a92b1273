using Sim.Model.Interpreter;
using Sim.Model.Objects;

namespace Sim.Model.Brc;

/// <summary>
/// <c>struct _brc_thread_state</c> (<c>tstate-&gt;brc</c>, <c>Include/internal/pycore_brc.h</c>, 3.13): the thread's id in the
/// table, the objects other threads queued for it to merge (under its bucket's mutex), and the local stack it merges
/// from (owner only).
/// </summary>
public sealed class BrcThreadState
{
    internal BrcThreadState(PyThreadState tstate) => TState = tstate;

    /// <summary>The thread state.</summary>
    public PyThreadState TState { get; }

    /// <summary><c>tid</c>: <c>_Py_ThreadId()</c> of the thread, 0 until it is in the table.</summary>
    public long Tid { get; internal set; }

    /// <summary>True while the thread state is linked into its bucket.</summary>
    public bool IsInTable { get; internal set; }

    /// <summary><c>objects_to_merge</c>: a <c>_PyObjectStack</c>, under the bucket's mutex; each entry holds one reference.</summary>
    internal Stack<PyObjectPtr> ObjectsToMerge { get; } = new();

    /// <summary><c>local_objects_to_merge</c>: the owner's private stack.</summary>
    internal Stack<PyObjectPtr> LocalObjectsToMerge { get; } = new();

    /// <summary>The queued objects, read without the mutex (for checks).</summary>
    public IReadOnlyList<PyObjectPtr> QueuedForCheck => [.. ObjectsToMerge, .. LocalObjectsToMerge];

    /// <summary><c>_PyObjectStack_Merge(dst, src)</c>: moves every entry of <paramref name="src"/> onto <paramref name="dst"/>.</summary>
    internal static void MergeStacks(Stack<PyObjectPtr> dst, Stack<PyObjectPtr> src)
    {
        foreach (var op in src.Reverse())
        {
            dst.Push(op);
        }

        src.Clear();
    }
}
