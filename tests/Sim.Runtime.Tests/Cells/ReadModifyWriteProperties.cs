using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Sim.Runtime.Cells;
using Sim.Runtime.Trace;
using Sim.Testing;

namespace Sim.Runtime.Tests.Cells;

/// <summary>
/// The read-modify-writes of an atomic cell (exchange, fetch-add, fetch-or, fetch-and) against a sequential model: the
/// same previous values and the same final value, on real threads and under exploration, for generated operations.
/// </summary>
public class ReadModifyWriteProperties
{
    private static readonly Arbitrary<(AccessKind Kind, long Operand)[]> s_operations =
        Gen.Zip(Gen.Elements(AccessKind.Exchange, AccessKind.FetchAdd, AccessKind.FetchOr, AccessKind.FetchAnd), ArbMap.Default.GeneratorFor<long>())
            .ArrayOf()
            .ToArbitrary();

    /// <summary>2 or 3 threads, each adding 1 to 3 generated deltas.</summary>
    private static readonly Arbitrary<int[][]> s_deltasPerThread =
        Gen.Choose(2, 3)
            .SelectMany(threads => Gen.Choose(1, 3).SelectMany(adds => Gen.Choose(-1000, 1000).ArrayOf(adds)).ArrayOf(threads))
            .ToArbitrary();

    [Property(MaxTest = 50)]
    public Property ReadModifyWrites_ReturnThePreviousValue_AsASequentialModelDoes_OnRealThreads() =>
        Prop.ForAll(s_operations, ops =>
        {
            var cell = new AtomicLong(SimRuntime.CreateProduction(), "cell", 5);
            return Agree(cell, ops);
        });

    [Property(MaxTest = 10)]
    public Property ReadModifyWrites_ReturnThePreviousValue_AsASequentialModelDoes_UnderExploration() =>
        Prop.ForAll(s_operations, ops =>
        {
            var agreed = false;
            Exploring.StaysClean(rt => agreed = Agree(new AtomicLong(rt, "cell", 5), ops), iterations: 1);
            return agreed;
        });

    [Property(MaxTest = 8)]
    public Property ConcurrentFetchAdds_NeverLoseAnUpdate_UnderExploration() =>
        Prop.ForAll(s_deltasPerThread, deltas =>
        {
            var total = deltas.Sum(d => d.Sum(x => (long)x));
            var result = Sim.Runtime.Exploration.Explorer.Explore(rt =>
            {
                var counter = new AtomicLong(rt, "counter");
                var threads = deltas.Select((d, i) => rt.StartThread($"adder{i}", () =>
                {
                    foreach (var x in d)
                    {
                        counter.FetchAdd(x);
                    }
                })).ToList();
                threads.ForEach(t => t.Join());
                rt.Check(counter.Peek() == total, $"lost update: counter is {counter.Peek()}, not {total}");
            }, Exploring.Options with { Iterations = 100 });
            return result.Outcome == Sim.Runtime.Exploration.Outcome.Clean;
        });

    private static bool Agree(AtomicLong cell, (AccessKind Kind, long Operand)[] ops)
    {
        var model = 5L;
        foreach (var (kind, operand) in ops)
        {
            var (previous, next) = kind switch
            {
                AccessKind.Exchange => (cell.Exchange(operand), operand),
                AccessKind.FetchAdd => (cell.FetchAdd(operand), unchecked(model + operand)),
                AccessKind.FetchOr => (cell.FetchOr(operand), model | operand),
                _ => (cell.FetchAnd(operand), model & operand),
            };
            if (previous != model)
            {
                return false;
            }

            model = next;
        }

        return cell.Peek() == model;
    }
}
