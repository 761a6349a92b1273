using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Sim.Runtime;
using Sim.Runtime.Cells;

namespace Sim.Bench.Production;

/// <summary>Runtime cells in production mode against the hardware operations they stand for.</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CellBenchmarks
{
    private SimRuntime _rt = null!;
    private AtomicInt _atomicInt = null!;
    private AtomicLong _atomicLong = null!;
    private PlainCell<int> _plain = null!;
    private int _int;
    private long _long;
    private int _field;

    /// <summary>The production runtime is created on the benchmark thread, which becomes its main thread.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _rt = SimRuntime.CreateProduction();
        _atomicInt = new AtomicInt(_rt, "int");
        _atomicLong = new AtomicLong(_rt, "long");
        _plain = new PlainCell<int>(_rt, "plain");
    }

    /// <summary>The baseline: <c>Interlocked.Add(ref int, 1)</c>.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Categories.AtomicInt)]
    public int Interlocked_Add_Int() => Interlocked.Add(ref _int, 1);

    /// <summary><see cref="AtomicInt"/>'s <c>FetchAdd(1)</c> (<c>_Py_atomic_add_int</c>).</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.AtomicInt)]
    public int AtomicInt_FetchAdd() => _atomicInt.FetchAdd(1);

    /// <summary>The baseline's operation behind one call the JIT may not inline: what a call costs here.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.AtomicInt)]
    public int Interlocked_Add_Int_NotInlined() => AddNotInlined(ref _int, 1);

    /// <summary>The baseline: <c>Interlocked.Add(ref long, 1)</c>.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Categories.AtomicLong)]
    public long Interlocked_Add_Long() => Interlocked.Add(ref _long, 1);

    /// <summary><see cref="AtomicLong"/>'s <c>FetchAdd(1)</c> (<c>_Py_atomic_add_ssize</c>).</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.AtomicLong)]
    public long AtomicLong_FetchAdd() => _atomicLong.FetchAdd(1);

    /// <summary>The baseline: <c>Volatile.Read</c> of an int field.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Categories.AtomicLoad)]
    public int Volatile_Read_Int() => Volatile.Read(ref _int);

    /// <summary><see cref="AtomicInt"/>'s <c>Load(Relaxed)</c>.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.AtomicLoad)]
    public int AtomicInt_Load() => _atomicInt.Load(MemoryOrder.Relaxed);

    /// <summary>The baseline: read and write a plain field.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Categories.PlainCell)]
    public int Field_ReadWrite()
    {
        var v = _field + 1;
        _field = v;
        return v;
    }

    /// <summary><see cref="PlainCell{T}"/>'s <c>Read</c> then <c>Write</c>.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.PlainCell)]
    public int PlainCell_ReadWrite()
    {
        var v = _plain.Read() + 1;
        _plain.Write(v);
        return v;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int AddNotInlined(ref int location, int value) => Interlocked.Add(ref location, value);
}
