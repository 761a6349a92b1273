using System.Globalization;
using System.Numerics;

namespace Sim.Runtime.Scheduling;

/// <summary>
/// A set of simulated threads by id (1 to <see cref="MaxThreadId"/>), as one 64-bit word: the threads that could run at a
/// scheduling step. A controlled run has at most <see cref="MaxThreadId"/> threads, so the set never allocates.
/// </summary>
public readonly record struct ThreadSet
{
    /// <summary>The largest thread id a controlled run may have.</summary>
    public const int MaxThreadId = 64;

    private readonly ulong _bits;

    private ThreadSet(ulong bits) => _bits = bits;

    /// <summary>The empty set.</summary>
    public static ThreadSet Empty => default;

    /// <summary>True if no thread is in the set.</summary>
    public bool IsEmpty => _bits == 0;

    /// <summary>How many threads are in the set.</summary>
    public int Count => BitOperations.PopCount(_bits);

    /// <summary>The lowest thread id in the set; 0 if it is empty.</summary>
    public int Lowest => _bits == 0 ? 0 : BitOperations.TrailingZeroCount(_bits) + 1;

    /// <summary>The set of the given ids.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in 1 to <see cref="MaxThreadId"/>.</exception>
    public static ThreadSet Of(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var set = Empty;
        foreach (var id in ids)
        {
            set = set.With(id);
        }

        return set;
    }

    /// <summary>True if thread <paramref name="id"/> is in the set.</summary>
    public bool Contains(int id) => id is >= 1 and <= MaxThreadId && (_bits & Bit(id)) != 0;

    /// <summary>This set and thread <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not in 1 to <see cref="MaxThreadId"/>.</exception>
    public ThreadSet With(int id) => new(_bits | Bit(id));

    /// <summary>The ids in the set, in ascending order.</summary>
    public IEnumerable<int> Ids()
    {
        for (var bits = _bits; bits != 0; bits &= bits - 1)
        {
            yield return BitOperations.TrailingZeroCount(bits) + 1;
        }
    }

    /// <summary>The set as trace files and messages write it: <c>T1,T3</c>, or <c>none</c>.</summary>
    public override string ToString() =>
        IsEmpty ? "none" : string.Join(",", Ids().Select(i => "T" + i.ToString(CultureInfo.InvariantCulture)));

    private static ulong Bit(int id) =>
        id is >= 1 and <= MaxThreadId ? 1UL << (id - 1) : throw new ArgumentOutOfRangeException(nameof(id), id, $"thread ids run from 1 to {MaxThreadId}");
}
