using System.Numerics;

namespace Sim.Runtime.Races;

/// <summary>
/// A vector clock over the simulated threads of one iteration, indexed by <see cref="Threads.SimThread.Id"/>: entry
/// <c>i</c> is the last epoch of thread <c>i</c> that happens before the clock's owner. Grows as threads appear; never
/// shrinks. Mutated in place, so that a cell's or a thread's clock is allocated once per iteration.
/// </summary>
internal sealed class VectorClock
{
    private int[] _entries;

    public VectorClock(int capacity = 4) => _entries = new int[Math.Max(capacity, 2)];

    /// <summary>How many entries the clock holds (for tests: it grows only as far as the highest thread id needs).</summary>
    public int Length => _entries.Length;

    /// <summary>Thread <paramref name="thread"/>'s entry (0 if the clock has never heard of it).</summary>
    public int this[int thread] => thread < _entries.Length ? _entries[thread] : 0;

    /// <summary>Sets thread <paramref name="thread"/>'s entry.</summary>
    public void Set(int thread, int epoch)
    {
        Grow((int)BitOperations.RoundUpToPowerOf2((uint)thread + 1));
        _entries[thread] = epoch;
    }

    /// <summary>Takes the entry-wise maximum with <paramref name="other"/> (an acquire).</summary>
    public void Join(VectorClock other)
    {
        var theirs = other._entries;
        Grow(theirs.Length);
        var mine = _entries;
        for (var i = 0; i < theirs.Length; i++)
        {
            if (theirs[i] > mine[i])
            {
                mine[i] = theirs[i];
            }
        }
    }

    /// <summary>Becomes a copy of <paramref name="other"/> (a release store replaces what the location published).</summary>
    public void CopyFrom(VectorClock other)
    {
        var theirs = other._entries;
        Grow(theirs.Length);
        Array.Copy(theirs, _entries, theirs.Length);
        Array.Clear(_entries, theirs.Length, _entries.Length - theirs.Length);
    }

    /// <summary>Forgets every entry (a relaxed store ends a release sequence).</summary>
    public void Clear() => Array.Clear(_entries);

    /// <summary>A new clock equal to this one.</summary>
    public VectorClock Copy()
    {
        var copy = new VectorClock(_entries.Length);
        Array.Copy(_entries, copy._entries, _entries.Length);
        return copy;
    }

    /// <summary>
    /// Grows to exactly <paramref name="length"/> entries: lengths come from <see cref="Set"/> (a power of two above the
    /// thread id) or from another clock, so every clock stays as short as the highest thread id needs. (Growing to twice
    /// the own length instead would let two clocks that join each other double each other's length without end.)
    /// </summary>
    private void Grow(int length)
    {
        if (length > _entries.Length)
        {
            Array.Resize(ref _entries, length);
        }
    }
}
