using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Bench.Production;

/// <summary>
/// Uncontended lock + unlock in production mode: <see cref="PyMutex"/> on a production runtime against .NET's
/// <see cref="System.Threading.Lock"/>; plus the parts of <see cref="PyMutex"/>'s fast path, measured one by one, to say
/// what costs what.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LockBenchmarks
{
    private readonly string _name = "bench";
    private Lock _lock = null!;
    private SimRuntime _rt = null!;
    private PyMutex _mutex = null!;
    private AtomicInt _bits = null!;
    private int _raw;

    /// <summary>The production runtime is created on the benchmark thread, which becomes its main thread.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _rt = SimRuntime.CreateProduction();
        _mutex = new PyMutex(_rt, _name);
        _bits = new AtomicInt(_rt, $"{_name}._bits");
        _lock = new Lock();
    }

    /// <summary>The baseline: <c>Lock.Enter</c> + <c>Lock.Exit</c>.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Categories.Lock)]
    public void Lock_EnterExit()
    {
        _lock.Enter();
        _lock.Exit();
    }

    /// <summary><c>PyMutex_Lock</c> + <c>PyMutex_Unlock</c>, uncontended: both take their fast-path CAS.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.Lock)]
    public void PyMutex_LockUnlock()
    {
        _mutex.Lock();
        _mutex.Unlock();
    }

    /// <summary>The floor: the two CASes of the fast paths on a plain field.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Categories.LockParts)]
    public int Raw_CasPair()
    {
        var a = Interlocked.CompareExchange(ref _raw, LockBits.Locked, LockBits.Unlocked);
        var b = Interlocked.CompareExchange(ref _raw, LockBits.Unlocked, LockBits.Locked);
        return a + b;
    }

    /// <summary>The same two CASes through a production <see cref="AtomicInt"/>: PyMutex without naming its operations.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.LockParts)]
    public bool AtomicInt_CasPair()
    {
        var expected = LockBits.Unlocked;
        var a = _bits.CompareExchange(ref expected, LockBits.Locked);
        expected = LockBits.Locked;
        var b = _bits.CompareExchange(ref expected, LockBits.Unlocked);
        return a & b;
    }

    /// <summary>
    /// Naming the two operations as <see cref="PyMutex"/> does, <c>rt.Enter($"PyMutex_Lock({Name})")</c>: an interpolated
    /// string handler formats the name only in controlled mode.
    /// </summary>
    [Benchmark]
    [BenchmarkCategory(Categories.LockParts)]
    public void Enter_InterpolatedNames()
    {
        using (_rt.Enter($"PyMutex_Lock({_name})"))
        {
        }

        using (_rt.Enter($"PyMutex_Unlock({_name})"))
        {
        }
    }
}
