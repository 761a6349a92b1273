namespace Sim.Bench.Production;

/// <summary>The benchmark categories: each compares benchmarks against the one marked as its baseline.</summary>
internal static class Categories
{
    public const string Lock = "lock";
    public const string LockParts = "lock-parts";
    public const string AtomicInt = "atomic-int";
    public const string AtomicLong = "atomic-long";
    public const string AtomicLoad = "atomic-load";
    public const string PlainCell = "plain-cell";
    public const string ControlledStep = "controlled-step";
}
