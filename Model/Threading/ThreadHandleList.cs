using System.Collections.Immutable;
using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Model.Threading;

/// <summary>
/// A list of thread handles linked through a <c>struct llist_node</c> and guarded by <c>HEAD_LOCK</c>
/// (<c>Include/internal/pycore_llist.h</c>): <c>_PyRuntime.threads.handles</c> (every live handle) or the
/// <c>_thread</c> module's <c>shutdown_handles</c> (the non-daemon threads <c>_thread._shutdown</c> waits for).
/// </summary>
/// <remarks>
/// Deviation: the list is one plain cell holding the whole list, so a link, an unlink or a walk is a read and a write of
/// that cell (two scheduling points), not a walk node by node; membership (<c>node.next != NULL</c>) is read from the
/// same cell. Every access but the after-fork pass must hold <c>HEAD_LOCK</c>, which the model checks.
/// </remarks>
public sealed class ThreadHandleList
{
    private readonly SimRuntime _rt;
    private readonly PyMutex _headLock;
    private readonly PlainCell<Nodes> _head;

    /// <summary>Creates an empty list guarded by <paramref name="headLock"/>.</summary>
    public ThreadHandleList(SimRuntime runtime, string name, PyMutex headLock)
    {
        ArgumentNullException.ThrowIfNull(headLock);
        _rt = runtime;
        _headLock = headLock;
        Name = name;
        _head = new PlainCell<Nodes>(runtime, name, new Nodes(ImmutableList<ThreadHandle>.Empty));
    }

    /// <summary>The list's name (<c>_PyRuntime.threads.handles</c>, <c>shutdown_handles</c>).</summary>
    public string Name { get; }

    /// <summary>The handles, read without a scheduling point (for checks and reports).</summary>
    public IReadOnlyList<ThreadHandle> ForCheck => _head.Peek().Items;

    /// <summary><c>llist_insert_tail</c>, under <c>HEAD_LOCK</c>.</summary>
    internal void InsertTail(ThreadHandle handle)
    {
        CheckHeadLock("llist_insert_tail");
        var list = _head.Read().Items;
        _rt.Check(!list.Contains(handle), $"{Name}: {handle} is linked twice");
        _head.Write(new Nodes(list.Add(handle)));
    }

    /// <summary><c>if (node-&gt;next != NULL) llist_remove(node)</c>, under <c>HEAD_LOCK</c>; true if it was linked.</summary>
    internal bool Remove(ThreadHandle handle)
    {
        CheckHeadLock("llist_remove");
        var list = _head.Read().Items;
        if (!list.Contains(handle))
        {
            return false;
        }

        _head.Write(new Nodes(list.Remove(handle)));
        return true;
    }

    /// <summary>The first linked handle that <paramref name="match"/> accepts (<c>llist_for_each</c>), under <c>HEAD_LOCK</c>.</summary>
    internal ThreadHandle? First(Func<ThreadHandle, bool> match)
    {
        CheckHeadLock("llist_for_each");
        foreach (var h in _head.Read().Items)
        {
            if (match(h))
            {
                return h;
            }
        }

        return null;
    }

    /// <summary>Every linked handle (<c>llist_for_each</c>), under <c>HEAD_LOCK</c>.</summary>
    internal ImmutableList<ThreadHandle> All()
    {
        CheckHeadLock("llist_for_each");
        return _head.Read().Items;
    }

    /// <summary>Unlinks with a plain store and no lock: the fork child, which has one thread.</summary>
    internal void RemoveAfterFork(ThreadHandle handle) => _head.Reinitialize(new Nodes(_head.Peek().Items.Remove(handle)));

    /// <summary>True if <paramref name="handle"/> is linked, read without a scheduling point (for checks).</summary>
    public bool ContainsForCheck(ThreadHandle handle) => _head.Peek().Items.Contains(handle);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {_head.Peek()}";

    private void CheckHeadLock(string operation) =>
        _rt.Check(_headLock.IsLockedForCheck, $"{operation} on {Name} without HEAD_LOCK");

    /// <summary>The list's value: the handles in link order, printed by name in traces.</summary>
    private sealed record Nodes(ImmutableList<ThreadHandle> Items)
    {
        public override string ToString() => $"[{string.Join(", ", Items.Select(h => h.Name))}]";
    }
}
