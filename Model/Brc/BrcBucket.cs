using Sim.Model.Locks;
using Sim.Runtime;

namespace Sim.Model.Brc;

/// <summary>
/// <c>struct _brc_bucket</c> (<c>Include/internal/pycore_brc.h</c>, 3.13): one bucket of the interpreter's table of thread
/// states by thread id: a mutex, and the list of the thread states hashed to it. The mutex also guards those threads'
/// <c>objects_to_merge</c> queues.
/// </summary>
public sealed class BrcBucket
{
    private readonly List<BrcThreadState> _root = [];

    internal BrcBucket(SimRuntime runtime, int index, LockDesign locks)
    {
        Index = index;
        Mutex = new PyMutex(runtime, $"brc.table[{index}].mutex", locks);
    }

    /// <summary>The bucket's index.</summary>
    public int Index { get; }

    /// <summary><c>mutex</c>: a PyMutex, locked with <c>PyMutex_Lock</c> (detaching while parked).</summary>
    public PyMutex Mutex { get; }

    /// <summary>The thread states in the bucket, read without the mutex (for checks).</summary>
    public IReadOnlyList<BrcThreadState> ThreadsForCheck => [.. _root];

    /// <summary><c>find_thread_state</c> (under <see cref="Mutex"/>).</summary>
    internal BrcThreadState? Find(long tid) => _root.Find(t => t.Tid == tid);

    /// <summary><c>llist_insert_tail</c> (under <see cref="Mutex"/>).</summary>
    internal void Insert(BrcThreadState brc) => _root.Add(brc);

    /// <summary><c>llist_remove</c> (under <see cref="Mutex"/>).</summary>
    internal void Remove(BrcThreadState brc) => _root.Remove(brc);
}
