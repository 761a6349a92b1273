using System.Numerics;
using System.Runtime.CompilerServices;

namespace Sim.Bench.Production;

/// <summary>
/// A variant of <c>AtomicInteger&lt;T&gt;.FetchAdd</c> (Runtime/Cells/AtomicInteger.cs), kept here as evidence for a
/// proposed Runtime change: the same generic shape and the same production path (a null check of the controlled
/// platform, then the interlocked add), but the controlled path moved into a separate <c>NoInlining</c> method, so the
/// method the model calls is small enough for the JIT to inline into its caller.
/// </summary>
/// <typeparam name="T"><see cref="int"/> or <see cref="long"/>.</typeparam>
internal sealed class SplitFastPathAtomic<T>
    where T : unmanaged, IBinaryInteger<T>
{
    private readonly object? _ctl;
    private T _value;

    /// <summary>Creates the cell; <paramref name="controlled"/> is null in production mode, as the benchmark uses it.</summary>
    public SplitFastPathAtomic(object? controlled = null) => _ctl = controlled;

    /// <summary>Atomically adds and returns the previous value.</summary>
    public T FetchAdd(T delta)
    {
        var c = _ctl;
        if (c is null)
        {
            return Add(ref _value, delta) - delta;
        }

        return FetchAddControlled(c, delta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Add(ref T location, T value) => typeof(T) == typeof(int)
        ? As(Interlocked.Add(ref Unsafe.As<T, int>(ref location), Unsafe.As<T, int>(ref value)))
        : As(Interlocked.Add(ref Unsafe.As<T, long>(ref location), Unsafe.As<T, long>(ref value)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T As<TFrom>(TFrom value)
        where TFrom : unmanaged => Unsafe.As<TFrom, T>(ref value);

    /// <summary>Stands for the controlled path (a scheduling point, a trace step, the add); never reached here.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private T FetchAddControlled(object controlled, T delta)
    {
        GC.KeepAlive(controlled);
        var old = _value;
        _value = old + delta;
        return old;
    }
}
