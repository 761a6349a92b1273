using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Coyote.Runtime;
using Sim.Runtime;
using Sim.Runtime.Platform;
using Sim.Runtime.Cells;
using Sim.Runtime.Threads;

namespace Sim.Bench.Production;

/// <summary>
/// What one access costs our Runtime in controlled mode, apart from Coyote's scheduler: an <see cref="AtomicInt"/> of a
/// controlled runtime, used outside any Coyote iteration, where <see cref="SchedulingPoint.Interleave"/> returns at once.
/// What remains is the Runtime's own work per step (the thread check, the step count, the readable trace step with its
/// boxed argument and result). The baseline does what the exploration baseline does per step outside the scheduler:
/// <see cref="SchedulingPoint.Interleave"/> and <see cref="Interlocked.Increment(ref int)"/>. Compare the difference with
/// the cost per step in the exploration table: it is the part of that cost our Runtime adds.
/// </summary>
/// <remarks>
/// Each invocation uses a fresh controlled runtime for <see cref="Steps"/> accesses, as an iteration does; its trace
/// grows by one step per access, so a runtime cannot be reused across invocations. Uses Runtime internals
/// (<c>SimRuntime.CreateControlled</c>).
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ControlledStepBenchmarks
{
    /// <summary>Accesses per invocation.</summary>
    public const int Steps = 1000;

    private int _counter;

    /// <summary>The baseline's per-step work outside the scheduler.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    [BenchmarkCategory(Categories.ControlledStep)]
    public int Interleave_Increment()
    {
        var v = 0;
        for (var i = 0; i < Steps; i++)
        {
            SchedulingPoint.Interleave();
            v = Interlocked.Increment(ref _counter);
        }

        return v;
    }

    /// <summary>Our per-step work: <c>AtomicInt.FetchAdd(1)</c> on a controlled runtime (one runtime per invocation).</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    [BenchmarkCategory(Categories.ControlledStep)]
    public int ControlledAtomicInt_FetchAdd()
    {
        var rt = SimRuntime.CreateControlled(new ControlledSettings(NanosPerStep: 100_000, YieldFairness: 64, MaxSteps: 10_000));
        var cell = new AtomicInt(rt, "counter");
        var v = 0;
        for (var i = 0; i < Steps; i++)
        {
            v = cell.FetchAdd(1);
        }

        SimThread.Current = null;
        return v;
    }
}
