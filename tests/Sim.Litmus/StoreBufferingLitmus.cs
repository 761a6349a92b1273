using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Litmus;

/// <summary>
/// The store-buffering litmus test on real threads, after jcstress: two threads each store 1 to their own variable and
/// then load the other's. Sequential consistency forbids both loads seeing 0; a store that is not a full fence (a
/// release store) allows it on x64 and Arm64. Each run walks <see cref="Slots"/> fresh pairs of variables, the two
/// threads meeting before each slot so that they do its store and load at the same time. The unit test of sequentially
/// consistent stores (<c>MemoryOrderTests.SeqCstStores_AreFullFences_SoStoreBufferingIsImpossible</c>) runs it and
/// expects no such slot; the stress bench counts the slots for release stores too, which shows that the test could fail.
/// </summary>
/// <param name="storeOrder">The order of the two stores.</param>
public sealed class StoreBufferingLitmus(MemoryOrder storeOrder)
{
    /// <summary>Pairs of variables per run.</summary>
    public const int Slots = 1000;

    private long _runs;
    private long _runsWithBoth;
    private long _slotsWithBoth;

    /// <summary>The order of the two stores.</summary>
    public MemoryOrder StoreOrder { get; } = storeOrder;

    /// <summary>Runs, runs with at least one slot where both loads saw 0, and such slots.</summary>
    public (long Runs, long RunsWithBoth, long SlotsWithBoth) Counts =>
        (Interlocked.Read(ref _runs), Interlocked.Read(ref _runsWithBoth), Interlocked.Read(ref _slotsWithBoth));

    /// <summary>One run of the litmus program, for <see cref="Runtime.Stress.StressRunner"/>; counted in <see cref="Counts"/>.</summary>
    public void Program(SimRuntime rt)
    {
        ArgumentNullException.ThrowIfNull(rt);
        var x = Cells(rt, "x");
        var y = Cells(rt, "y");
        var arrived = new AtomicInt(rt, "arrived");
        var r1 = new int[Slots];
        var r2 = new int[Slots];
        void Actor(AtomicInt[] mine, AtomicInt[] other, int[] seen)
        {
            for (var i = 0; i < Slots; i++)
            {
                // Both threads meet before each slot, so that they do its store and load at the same time.
                arrived.FetchAdd(1);
                for (var spins = 0; arrived.Load(MemoryOrder.Relaxed) < 2 * (i + 1); spins++)
                {
                    if (spins > 1000)
                    {
                        rt.Yield("the other thread is not running");
                    }
                }

                mine[i].Store(1, StoreOrder);
                seen[i] = other[i].Load(MemoryOrder.SeqCst);
            }
        }

        var a = rt.StartThread("a", () => Actor(x, y, r1));
        var b = rt.StartThread("b", () => Actor(y, x, r2));
        a.Join();
        b.Join();
        var both = Enumerable.Range(0, Slots).Count(i => r1[i] == 0 && r2[i] == 0);
        Interlocked.Increment(ref _runs);
        Interlocked.Add(ref _slotsWithBoth, both);
        if (both > 0)
        {
            Interlocked.Increment(ref _runsWithBoth);
        }
    }

    private static AtomicInt[] Cells(SimRuntime rt, string name) =>
        [.. Enumerable.Range(0, Slots).Select(i => new AtomicInt(rt, $"{name}[{i}]"))];
}
