using Microsoft.Coyote.Runtime;
using Microsoft.Coyote.Specifications;

namespace Sim.Bench.Exploration;

/// <summary>
/// The baseline: the same workloads written directly on Coyote's <see cref="Operation"/> API, with threads created
/// exactly as Coyote's own <c>ControlledOperationTests</c> create them (<c>CreateNext</c>, <c>Start</c>, <c>Thread.Start</c>,
/// <c>ScheduleNext</c>; the thread runs <c>OnStarted</c> ... <c>OnCompleted</c>, <c>ScheduleNext</c>; the creator joins with
/// <c>PauseUntilCompleted</c> and <c>Thread.Join</c>), and each point a <see cref="SchedulingPoint.Interleave"/> followed by
/// <see cref="Interlocked.Increment(ref int)"/>. No trace, no per-thread bookkeeping: the floor our Runtime is measured against.
/// </summary>
internal static class OperationApiWorkloads
{
    /// <summary>The counter workload; the test body of one iteration.</summary>
    public static Action Counter(Workload w) => w.Plain ? PlainFields(w) : w.Locked ? LockedCounter(w) : () =>
    {
        var counter = new Box();
        RunThreads(w.Threads, () =>
        {
            for (var j = 0; j < w.Points; j++)
            {
                SchedulingPoint.Interleave();
                Interlocked.Increment(ref counter.Value);
            }
        });
        Specification.Assert(Volatile.Read(ref counter.Value) == w.Expected, "{0}", "counter lost an increment");
    };

    /// <summary>The plain workload: each worker writes its own field after each scheduling point.</summary>
    private static Action PlainFields(Workload w) => () =>
    {
        var fields = Enumerable.Range(0, w.Threads).Select(_ => new Box()).ToArray();
        var next = -1;
        RunThreads(w.Threads, () =>
        {
            var field = fields[Interlocked.Increment(ref next)];
            for (var j = 1; j <= w.Points; j++)
            {
                SchedulingPoint.Interleave();
                field.Value = j;
            }
        });
        Specification.Assert(fields.All(f => f.Value == w.Expected), "{0}", "a field lost a write");
    };

    /// <summary>
    /// The locked workload: a spin lock from <see cref="Interlocked.CompareExchange(ref int, int, int)"/> and
    /// <see cref="Volatile.Write(ref int, int)"/>, a scheduling point before each of them and after each failed attempt (as
    /// ours yields); the counter's increment inside takes none.
    /// </summary>
    private static Action LockedCounter(Workload w) => () =>
    {
        var held = new Box();
        var counter = new Box();
        RunThreads(w.Threads, () =>
        {
            for (var j = 0; j < w.Points; j++)
            {
                SchedulingPoint.Interleave();
                while (Interlocked.CompareExchange(ref held.Value, 1, 0) != 0)
                {
                    SchedulingPoint.Interleave();
                    SchedulingPoint.Interleave();
                }

                counter.Value++;
                SchedulingPoint.Interleave();
                Volatile.Write(ref held.Value, 0);
            }
        });
        Specification.Assert(counter.Value == w.Expected, "{0}", "counter lost an increment");
    };

    /// <summary>The sanity check's lost update, on the Operation API: a scheduling point between a load and a store.</summary>
    public static void LostUpdate()
    {
        var counter = new Box();
        RunThreads(2, () =>
        {
            SchedulingPoint.Interleave();
            var v = Volatile.Read(ref counter.Value);
            SchedulingPoint.Interleave();
            Volatile.Write(ref counter.Value, v + 1);
        });
        Specification.Assert(Volatile.Read(ref counter.Value) == 2, "{0}", "lost update");
    }

    private static void RunThreads(int count, Action body)
    {
        var ids = new ulong[count];
        var threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = Operation.CreateNext() ?? throw new InvalidOperationException("not inside a Coyote test iteration");
            threads[i] = new Thread(state =>
            {
                Operation.OnStarted((ulong)state!);
                body();
                Operation.OnCompleted();
                Operation.ScheduleNext();
            })
            { IsBackground = true };
            Operation.Start(ids[i]);
            threads[i].Start(ids[i]);
            Operation.ScheduleNext();
        }

        for (var i = 0; i < count; i++)
        {
            Operation.PauseUntilCompleted(ids[i]);
            threads[i].Join();
        }
    }

    private sealed class Box
    {
        public int Value;
    }
}
