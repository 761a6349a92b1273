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
/// checks in each (generated from the seeds), explored for 60 schedules: the object is freed exactly once, when its
/// true count reaches zero (the heap reports a double free, a free with a non-zero true count, a write after the free,
/// or a leak at the end), and no count goes negative.
/// </summary>
public class RefcountProperties
{
    [Property(MaxTest = 10)]
    public bool AnyIncrefDecrefInterleaving_FreesTheObjectExactlyOnce_AtZero(byte threadsSeed, ulong opsSeed, uint seed)
    {
        var others = 1 + (threadsSeed % 3);
        var result = Explorer.Explore(rt => Run(rt, others, opsSeed), Exploring.Options with { Iterations = 60, Seed = seed });
        return result.Outcome == Outcome.Clean;
    }

    [Property(MaxTest = 5)]
    public bool AnyIncrefDecrefInterleaving_FreesTheObjectExactlyOnce_OnRealThreads(byte threadsSeed, ulong opsSeed)
    {
        var others = 1 + (threadsSeed % 3);
        var result = Sim.Runtime.Stress.StressRunner.Run(rt => Run(rt, others, opsSeed), new Sim.Runtime.Stress.StressOptions { Runs = 30 });
        return !result.FoundBug;
    }

    /// <summary>
    /// Thread <c>t</c> reads 8 bits of <paramref name="opsSeed"/>: 1 takes a reference, 0 drops one it took (or takes one if
    /// it holds none beyond the one it was given), every third operation passes a periodic check; then it drops what it
    /// holds, the given reference last.
    /// </summary>
    private static void Run(SimRuntime rt, int others, ulong opsSeed)
    {
        var interp = MemoryKit.Interp(rt);
        var refs = interp.Refcount;
        var threads = new SimThread[others];

        void Play(PyThreadState ts, PyObjectPtr o, int index)
        {
            var bits = (int)((opsSeed >> (8 * index)) & 0xFF);
            var extra = 0;
            for (var k = 0; k < 8; k++)
            {
                if (((bits >> k) & 1) == 1 || extra == 0)
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
