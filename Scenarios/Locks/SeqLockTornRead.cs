using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Locks;

/// <summary>
/// Calibration: a writer updates a pair of fields under a <c>_PySeqLock</c> while readers read the pair without a lock,
/// as the type cache's readers do (<c>_PyType_Lookup</c>, <c>Objects/typeobject.c</c>). A reader must never keep a torn
/// pair. The broken reader skips <c>_PySeqLock_EndRead</c>, so it does not notice a write that overlapped its reads.
/// </summary>
[Scenario("seqlock-torn-read")]
public sealed class SeqLockTornRead : Scenario<SeqLockTornRead.ReaderDesign>
{
    private const int Writes = 2;
    private const int Readers = 2;

    /// <summary>How a reader uses the sequence lock.</summary>
    /// <param name="ChecksEndRead">True if the reader retries when <c>_PySeqLock_EndRead</c> fails.</param>
    public sealed record ReaderDesign(bool ChecksEndRead);

    /// <inheritdoc/>
    public override string Summary => "Lock-free readers of a _PySeqLock-protected pair never keep a torn read.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Python/lock.c: _PySeqLock_LockWrite, _PySeqLock_UnlockWrite, _PySeqLock_BeginRead, _PySeqLock_EndRead (3.13)",
        "Objects/typeobject.c: _PyType_Lookup (the type cache reader)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ReaderDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "Readers as in _PyType_Lookup: read between BeginRead and EndRead, retry if EndRead fails.",
            Expectation.Clean, new ReaderDesign(ChecksEndRead: true)),
        new("reader-skips-end-read", "Broken reader: reads between BeginRead and its use without calling EndRead, so a concurrent write goes unnoticed.",
            Expectation.Bug("torn read"), new ReaderDesign(ChecksEndRead: false)),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ReaderDesign design)
    {
        var seqlock = new PySeqLock(runtime, "cache");
        var first = new AtomicInt(runtime, "entry.version");
        var second = new AtomicInt(runtime, "entry.value");

        var writer = runtime.StartThread("writer", () =>
        {
            for (var i = 1; i <= Writes; i++)
            {
                seqlock.LockWrite();
                first.Store(i, MemoryOrder.Relaxed);
                second.Store(i, MemoryOrder.Release);
                seqlock.UnlockWrite();
            }
        });

        var readers = Enumerable.Range(0, Readers).Select(i => runtime.StartThread($"reader{i}", () =>
        {
            int a, b;
            while (true)
            {
                var sequence = seqlock.BeginRead();
                a = first.Load(MemoryOrder.Relaxed);
                b = second.Load(MemoryOrder.Acquire);
                if (!design.ChecksEndRead || seqlock.EndRead(sequence))
                {
                    break;
                }
            }

            runtime.Check(a == b, $"torn read: {runtime.CurrentThread} kept version {a} with the value of version {b}");
        })).ToList();

        writer.Join();
        foreach (var r in readers)
        {
            r.Join();
        }
    }
}
