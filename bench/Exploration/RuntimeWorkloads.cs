using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Runtime.Threads;

namespace Sim.Bench.Exploration;

/// <summary>The workloads written on our Runtime ("ours"): threads from <see cref="SimRuntime.StartThread"/>, points from <c>AtomicInt.FetchAdd</c>.</summary>
internal static class RuntimeWorkloads
{
    /// <summary>
    /// <see cref="Workload.Threads"/> threads each do <see cref="Workload.Points"/> <c>FetchAdd(1)</c> on one shared
    /// <see cref="AtomicInt"/>; the main thread joins them and checks the total. Every access is a scheduling point and a
    /// readable trace step, as in any model: that cost is part of what is measured.
    /// </summary>
    public static Action<SimRuntime> Counter(Workload w)
    {
        var names = Enumerable.Range(1, w.Threads).Select(i => $"worker{i}").ToArray();
        return w.Plain ? PlainFields(w, names) : w.Locked ? LockedCounter(w, names) : rt =>
        {
            var counter = new AtomicInt(rt, "counter");
            var threads = new SimThread[w.Threads];
            for (var i = 0; i < threads.Length; i++)
            {
                threads[i] = rt.StartThread(names[i], () =>
                {
                    for (var j = 0; j < w.Points; j++)
                    {
                        counter.FetchAdd(1);
                    }
                });
            }

            foreach (var t in threads)
            {
                t.Join();
            }

            rt.Check(counter.Peek() == w.Expected, "counter lost an increment");
        };
    }

    /// <summary>
    /// Each worker writes its own <see cref="PlainCell{T}"/> <see cref="Workload.Points"/> times: every write is a
    /// scheduling point, a trace step and a check of the race detector (never a race: the start and join edges order
    /// the main thread's accesses, and no two workers share a field).
    /// </summary>
    private static Action<SimRuntime> PlainFields(Workload w, string[] names) => rt =>
    {
        var fields = names.Select(n => new PlainCell<int>(rt, $"{n}.field")).ToArray();
        var threads = new SimThread[w.Threads];
        for (var i = 0; i < threads.Length; i++)
        {
            var field = fields[i];
            threads[i] = rt.StartThread(names[i], () =>
            {
                for (var j = 1; j <= w.Points; j++)
                {
                    field.Write(j);
                }
            });
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        rt.Check(fields.All(f => f.Read() == w.Expected), "a field lost a write");
    };

    /// <summary>
    /// Each worker adds 1 to a shared <see cref="PlainCell{T}"/> <see cref="Workload.Points"/> times, each time under a
    /// spin lock: an acquire compare-and-swap (retried after <see cref="SimRuntime.Yield"/>), then a release store. The
    /// lock's operations are scheduling points; the counter's read and write are checked by the race detector.
    /// </summary>
    private static Action<SimRuntime> LockedCounter(Workload w, string[] names) => rt =>
    {
        var held = new AtomicInt(rt, "lock");
        var counter = new PlainCell<int>(rt, "counter");
        var threads = new SimThread[w.Threads];
        for (var i = 0; i < threads.Length; i++)
        {
            threads[i] = rt.StartThread(names[i], () =>
            {
                for (var j = 0; j < w.Points; j++)
                {
                    var free = 0;
                    while (!held.CompareExchange(ref free, 1, MemoryOrder.Acquire))
                    {
                        free = 0;
                        rt.Yield("lock");
                    }

                    counter.Write(counter.Read() + 1);
                    held.Store(0, MemoryOrder.Release);
                }
            });
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        rt.Check(counter.Peek() == w.Expected, "counter lost an increment");
    };

    /// <summary>
    /// The harness's sanity check: two threads increment with a separate load and store, so a lost update is reachable.
    /// Exploration must find it, or the threads are not really interleaved.
    /// </summary>
    public static void LostUpdate(SimRuntime rt)
    {
        var counter = new AtomicInt(rt, "counter");
        void Increment()
        {
            var v = counter.Load();
            counter.Store(v + 1);
        }

        var a = rt.StartThread("a", Increment);
        var b = rt.StartThread("b", Increment);
        a.Join();
        b.Join();
        rt.Check(counter.Peek() == 2, "lost update");
    }
}
