using System.Numerics;
using System.Runtime.CompilerServices;
using Sim.Runtime.Parking;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Cells;

/// <summary>
/// An atomic integer cell, modelling the integer operations of <c>Include/cpython/pyatomic.h</c>
/// (<c>_Py_atomic_load_int_relaxed</c>, <c>_Py_atomic_compare_exchange_uint8</c>, <c>_Py_atomic_add_ssize</c>, ...).
/// Read-modify-write operations return the previous value, as pyatomic's do. Use <see cref="AtomicInt"/> or
/// <see cref="AtomicLong"/>.
/// </summary>
/// <typeparam name="T"><see cref="int"/> or <see cref="long"/>.</typeparam>
public abstract class AtomicInteger<T> : SharedCell, IParkAddress
    where T : unmanaged, IBinaryInteger<T>
{
    private T _value;

    private protected AtomicInteger(SimRuntime runtime, string name, T initial)
        : base(runtime, name) => _value = initial;

    /// <summary>Atomically loads the value (<c>_Py_atomic_load_*</c>, with <c>_relaxed</c> or <c>_acquire</c> as the order says).</summary>
    public T Load(MemoryOrder order = MemoryOrder.SeqCst)
    {
        if (_bare)
        {
            return Native.Read(ref _value);
        }

        return LoadHooked(order);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private T LoadHooked(MemoryOrder order)
    {
        if (_ctl is not { } c)
        {
            _noise!.Point();
            return Native.Read(ref _value);
        }

        c.Access(this, AccessKind.Load, order);
        var v = _value;
        c.Completed(v);
        return v;
    }

    /// <summary>Atomically stores a value (<c>_Py_atomic_store_*</c>, with <c>_relaxed</c> or <c>_release</c> as the order says).</summary>
    public void Store(T value, MemoryOrder order = MemoryOrder.SeqCst)
    {
        if (_bare)
        {
            if (order == MemoryOrder.SeqCst)
            {
                Native.Exchange(ref _value, value);
            }
            else
            {
                Native.Write(ref _value, value);
            }

            return;
        }

        StoreHooked(value, order);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StoreHooked(T value, MemoryOrder order)
    {
        if (_ctl is not { } c)
        {
            _noise!.Point();
            if (order == MemoryOrder.SeqCst)
            {
                Native.Exchange(ref _value, value);
            }
            else
            {
                Native.Write(ref _value, value);
            }

            return;
        }

        c.Access(this, AccessKind.Store, order, value);
        _value = value;
    }

    /// <summary>Atomically replaces the value and returns the previous one (<c>_Py_atomic_exchange_*</c>).</summary>
    public T Exchange(T value, MemoryOrder order = MemoryOrder.SeqCst)
    {
        if (_bare)
        {
            return Native.Exchange(ref _value, value);
        }

        return ReadModifyWriteHooked(AccessKind.Exchange, value, order);
    }

    /// <summary>
    /// Atomically replaces the value with <paramref name="desired"/> if it equals <paramref name="expected"/>
    /// (<c>_Py_atomic_compare_exchange_*</c>). On failure <paramref name="expected"/> receives the current value.
    /// </summary>
    /// <returns>True if the value was replaced.</returns>
    public bool CompareExchange(ref T expected, T desired, MemoryOrder order = MemoryOrder.SeqCst)
    {
        if (_bare)
        {
            var seen = Native.CompareExchange(ref _value, desired, expected);
            var ok = seen == expected;
            expected = seen;
            return ok;
        }

        return CompareExchangeHooked(ref expected, desired, order);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool CompareExchangeHooked(ref T expected, T desired, MemoryOrder order)
    {
        if (_ctl is not { } c)
        {
            _noise!.Point();
            var seen = Native.CompareExchange(ref _value, desired, expected);
            var ok = seen == expected;
            expected = seen;
            return ok;
        }

        c.Access(this, AccessKind.CompareExchange, order, expected, desired);
        var current = _value;
        var success = current == expected;
        if (success)
        {
            _value = desired;
        }

        expected = current;
        c.CompletedCas(success, current);
        return success;
    }

    /// <summary>Atomically adds <paramref name="delta"/> and returns the previous value (<c>_Py_atomic_add_*</c>).</summary>
    public T FetchAdd(T delta, MemoryOrder order = MemoryOrder.SeqCst)
    {
        if (_bare)
        {
            return Native.Add(ref _value, delta) - delta;
        }

        return ReadModifyWriteHooked(AccessKind.FetchAdd, delta, order);
    }

    /// <summary>Atomically ORs <paramref name="bits"/> in and returns the previous value (<c>_Py_atomic_or_*</c>).</summary>
    public T FetchOr(T bits, MemoryOrder order = MemoryOrder.SeqCst)
    {
        if (_bare)
        {
            return Native.Or(ref _value, bits);
        }

        return ReadModifyWriteHooked(AccessKind.FetchOr, bits, order);
    }

    /// <summary>Atomically ANDs <paramref name="bits"/> in and returns the previous value (<c>_Py_atomic_and_*</c>).</summary>
    public T FetchAnd(T bits, MemoryOrder order = MemoryOrder.SeqCst)
    {
        if (_bare)
        {
            return Native.And(ref _value, bits);
        }

        return ReadModifyWriteHooked(AccessKind.FetchAnd, bits, order);
    }

    /// <summary>
    /// The hooked path of every read-modify-write (<see cref="Exchange"/>, <see cref="FetchAdd"/>, <see cref="FetchOr"/>,
    /// <see cref="FetchAnd"/>). In a stress run: the run's noise, then the hardware operation. In controlled mode: a
    /// scheduling point and a step, then the update, then the previous value as the step's result; only one simulated
    /// thread runs between scheduling points, so the plain read and write are atomic here. Kept out of line so that the
    /// production paths stay one test plus the hardware operation.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private T ReadModifyWriteHooked(AccessKind kind, T operand, MemoryOrder order)
    {
        if (_ctl is not { } c)
        {
            _noise!.Point();
            return kind switch
            {
                AccessKind.Exchange => Native.Exchange(ref _value, operand),
                AccessKind.FetchAdd => Native.Add(ref _value, operand) - operand,
                AccessKind.FetchOr => Native.Or(ref _value, operand),
                AccessKind.FetchAnd => Native.And(ref _value, operand),
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a read-modify-write"),
            };
        }

        c.Access(this, kind, order, operand);
        var old = _value;
        _value = kind switch
        {
            AccessKind.Exchange => operand,
            AccessKind.FetchAdd => old + operand,
            AccessKind.FetchOr => old | operand,
            AccessKind.FetchAnd => old & operand,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a read-modify-write"),
        };
        c.Completed(old);
        return old;
    }

    /// <summary>
    /// Reads the value with no scheduling point and no trace entry: for invariant checks and reports only.
    /// Model logic uses <see cref="Load"/>.
    /// </summary>
    public T Peek() => Native.Read(ref _value);

    /// <summary>
    /// Overwrites the value with no scheduling point: for single-threaded phases only, such as the after-fork
    /// re-initialisation of <c>_PyRuntimeState_ReInitThreads</c>, where CPython uses plain stores.
    /// </summary>
    public void Reinitialize(T value) => Native.Write(ref _value, value);

    bool IParkAddress.Holds(long expected) => long.CreateTruncating(Native.Read(ref _value)) == expected;

    /// <inheritdoc/>
    public override string ToString() => $"{Name}={Peek()}";

    /// <summary>The hardware operations behind production mode; the JIT folds the type tests away.</summary>
    private static class Native
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Read(ref T location) => typeof(T) == typeof(int)
            ? As(Volatile.Read(ref Unsafe.As<T, int>(ref location)))
            : As(Volatile.Read(ref Unsafe.As<T, long>(ref location)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Write(ref T location, T value)
        {
            if (typeof(T) == typeof(int))
            {
                Volatile.Write(ref Unsafe.As<T, int>(ref location), Unsafe.As<T, int>(ref value));
            }
            else
            {
                Volatile.Write(ref Unsafe.As<T, long>(ref location), Unsafe.As<T, long>(ref value));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Exchange(ref T location, T value) => typeof(T) == typeof(int)
            ? As(Interlocked.Exchange(ref Unsafe.As<T, int>(ref location), Unsafe.As<T, int>(ref value)))
            : As(Interlocked.Exchange(ref Unsafe.As<T, long>(ref location), Unsafe.As<T, long>(ref value)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T CompareExchange(ref T location, T value, T comparand) => typeof(T) == typeof(int)
            ? As(Interlocked.CompareExchange(ref Unsafe.As<T, int>(ref location), Unsafe.As<T, int>(ref value), Unsafe.As<T, int>(ref comparand)))
            : As(Interlocked.CompareExchange(ref Unsafe.As<T, long>(ref location), Unsafe.As<T, long>(ref value), Unsafe.As<T, long>(ref comparand)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Add(ref T location, T value) => typeof(T) == typeof(int)
            ? As(Interlocked.Add(ref Unsafe.As<T, int>(ref location), Unsafe.As<T, int>(ref value)))
            : As(Interlocked.Add(ref Unsafe.As<T, long>(ref location), Unsafe.As<T, long>(ref value)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Or(ref T location, T value) => typeof(T) == typeof(int)
            ? As(Interlocked.Or(ref Unsafe.As<T, int>(ref location), Unsafe.As<T, int>(ref value)))
            : As(Interlocked.Or(ref Unsafe.As<T, long>(ref location), Unsafe.As<T, long>(ref value)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T And(ref T location, T value) => typeof(T) == typeof(int)
            ? As(Interlocked.And(ref Unsafe.As<T, int>(ref location), Unsafe.As<T, int>(ref value)))
            : As(Interlocked.And(ref Unsafe.As<T, long>(ref location), Unsafe.As<T, long>(ref value)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static T As<TFrom>(TFrom value)
            where TFrom : unmanaged => Unsafe.As<TFrom, T>(ref value);
    }
}

/// <summary>A 32-bit atomic cell: <c>int</c>, <c>uint8_t</c> and <c>uint32_t</c> fields such as <c>PyMutex._bits</c>.</summary>
public sealed class AtomicInt : AtomicInteger<int>
{
    /// <summary>Creates the cell with an initial value (the initialisation is not a shared access).</summary>
    public AtomicInt(SimRuntime runtime, string name, int initial = 0)
        : base(runtime, name, initial)
    {
    }
}

/// <summary>A 64-bit atomic cell: <c>Py_ssize_t</c>, <c>uintptr_t</c> and <c>uint64_t</c> fields such as <c>ob_ref_shared</c>.</summary>
public sealed class AtomicLong : AtomicInteger<long>
{
    /// <summary>Creates the cell with an initial value (the initialisation is not a shared access).</summary>
    public AtomicLong(SimRuntime runtime, string name, long initial = 0)
        : base(runtime, name, initial)
    {
    }
}
