using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace SimScenarios;

/// <summary>
/// Two threads add to a count that a <c>PyMutex</c> guards, as CPython 3.13's free-threaded build guards an object's
/// fields with its per-object lock (<c>ob_mutex</c>, taken by <c>Py_BEGIN_CRITICAL_SECTION</c>, Include/cpython/critical_section.h).
/// What must hold: no increment is lost. The broken variant reads and writes the count without the lock, as code that
/// relied on the GIL did before free threading.
/// </summary>
[Scenario("counter-under-mutex")]
public sealed class CounterUnderMutex : Scenario<CounterUnderMutex.Design>
{
    private const int Threads = 2;
    private const int Increments = 2;

    /// <summary>How a thread updates the count.</summary>
    /// <param name="TakesLock">True if the read and the write happen under the mutex.</param>
    public sealed record Design(bool TakesLock);

    /// <inheritdoc/>
    public override string Summary => "Threads that add to a count under its PyMutex never lose an increment.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Python/lock.c: PyMutex_Lock, PyMutex_Unlock (3.13)",
        "Include/cpython/critical_section.h: Py_BEGIN_CRITICAL_SECTION (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<Design>> DefineVariants() =>
    [
        new("cpython-3.13", "Each increment reads and writes the count under the object's PyMutex.", Expectation.Clean, new Design(TakesLock: true)),
        new("no-lock", "Broken: the increment reads and writes the count without the lock, as GIL-era code did.", Expectation.BugAnyOf("lost update", "data race on count"), new Design(TakesLock: false)),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, Design design)
    {
        var mutex = new PyMutex(runtime, "ob_mutex");
        var count = new PlainCell<int>(runtime, "count");
        var workers = Enumerable.Range(1, Threads).Select(i => runtime.StartThread($"worker{i}", () =>
        {
            for (var n = 0; n < Increments; n++)
            {
                if (design.TakesLock)
                {
                    mutex.Lock();
                }

                count.Write(count.Read() + 1);
                if (design.TakesLock)
                {
                    mutex.Unlock();
                }
            }
        })).ToList();

        foreach (var w in workers)
        {
            w.Join();
        }

        var total = count.Peek();
        runtime.Check(total == Threads * Increments, $"lost update: the count is {total} after {Threads * Increments} increments");
    }
}
