using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Exploration;
using Sim.Runtime.Threads;
using Sim.Testing;

namespace Sim.Model.Tests.Objects;

/// <summary>
/// For any number of threads (the owner plus one to three others) and any sequence of increments, decrements and periodic
/// checks in each (<see cref="RefcountWorkload"/>), explored for 60 schedules: the object is freed exactly once, when its
/// true count reaches zero (the heap reports a double free, a free with a non-zero true count, a write after the free,
/// or a leak at the end), and no count goes negative.
/// </summary>
public class RefcountProperties
{
    [Property(MaxTest = 10, Arbitrary = [typeof(Workloads)])]
    public bool AnyIncrefDecrefInterleaving_FreesTheObjectExactlyOnce_AtZero(RefcountWorkload load, uint seed)
    {
        var result = Explorer.Explore(rt => Run(rt, load), Exploring.Options with { Iterations = 60, Seed = seed });
        return result.Outcome == Sim.Runtime.Exploration.Outcome.Clean;
    }

    [Property(MaxTest = 5, Arbitrary = [typeof(Workloads)])]
    public bool AnyIncrefDecrefInterleaving_FreesTheObjectExactlyOnce_OnRealThreads(RefcountWorkload load)
    {
        var result = Sim.Runtime.Stress.StressRunner.Run(rt => Run(rt, load), new Sim.Runtime.Stress.StressOptions { Runs = 30 });
        return !result.FoundBug;
    }

    /// <summary>
    /// Eight operations for each thread, the owner's first: true takes a reference, false drops one the thread took (or
    /// takes one if it holds none beyond the one it was given).
    /// </summary>
    public sealed record RefcountWorkload(bool[][] Ops)
    {
        /// <inheritdoc/>
        public override string ToString() => string.Join(" | ", Ops.Select(ops => string.Concat(ops.Select(op => op ? '+' : '-'))));
    }

    /// <summary>The owner and one to three other threads, eight operations each.</summary>
    public static class Workloads
    {
        public static Arbitrary<RefcountWorkload> Any() =>
            Arb.From(
                from others in Gen.Choose(1, 3)
                from ops in Gen.ArrayOf(Gen.ArrayOf(Gen.Elements(true, false), 8), 1 + others)
                select new RefcountWorkload(ops));
    }

    /// <summary>
    /// Thread <c>t</c> plays its operations (<see cref="RefcountWorkload"/>), passing a periodic check after every third;
    /// then it drops what it holds, the given reference last.
    /// </summary>
    private static void Run(SimRuntime rt, RefcountWorkload load)
    {
        var others = load.Ops.Length - 1;
        var interp = MemoryKit.Interp(rt);
        var refs = interp.Refcount;
        var threads = new SimThread[others];

        void Play(PyThreadState ts, PyObjectPtr o, int index)
        {
            var ops = load.Ops[index];
            var extra = 0;
            for (var k = 0; k < ops.Length; k++)
            {
                if (ops[k] || extra == 0)
                {
                    refs.IncRef(o);
                    extra++;
                }
                else
                {
                    refs.DecRef(o);
                    extra--;
                }

                if (k % 3 == 2)
                {
                    ts.CheckPeriodic();
                }
            }

            for (; extra > 0; extra--)
            {
                refs.DecRef(o);
            }

            refs.DecRef(o);
            ts.CheckPeriodic();
        }

        var owner = MemoryKit.Start(rt, interp, "owner", ts =>
        {
            var o = interp.Objects.New(MemoryKit.Type(), "o");
            for (var i = 0; i < others; i++)
            {
                var index = i + 1;
                refs.IncRef(o);
                threads[i] = MemoryKit.Start(rt, interp, $"other{index}", t => Play(t, o, index));
            }

            Play(ts, o, 0);
        });

        interp.MainThreadState.Detach();
        owner.Join();
        foreach (var t in threads)
        {
            t.Join();
        }

        interp.MainThreadState.Attach();
        interp.CheckNoLeaks();
    }
}
