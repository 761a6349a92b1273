using System.Runtime.CompilerServices;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Cells;

/// <summary>
/// An atomic pointer cell, modelling <c>_Py_atomic_load_ptr</c>, <c>_Py_atomic_store_ptr_release</c>,
/// <c>_Py_atomic_exchange_ptr</c> and <c>_Py_atomic_compare_exchange_ptr</c> of <c>Include/cpython/pyatomic.h</c>.
/// Comparison is by reference, as a pointer comparison is.
/// </summary>
/// <typeparam name="T">The pointee type; null is <c>NULL</c>.</typeparam>
public sealed class AtomicRef<T> : SharedCell
    where T : class
{
    private T? _value;

    /// <summary>Creates the cell with an initial value (the initialisation is not a shared access).</summary>
    public AtomicRef(SimRuntime runtime, string name, T? initial = null)
        : base(runtime, name) => _value = initial;

    /// <summary>Atomically loads the pointer.</summary>
    public T? Load(MemoryOrder order = MemoryOrder.SeqCst)
    {
        if (_bare)
        {
            return Volatile.Read(ref _value);
        }

        return LoadHooked(order);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private T? LoadHooked(MemoryOrder order)
    {
        if (_ctl is not { } c)
        {
            _noise!.Point();
            return Volatile.Read(ref _value);
        }

        c.Access(this, AccessKind.Load, order);
        var v = _value;
        c.Completed(v);
        return v;
    }

    /// <summary>Atomically stores a pointer.</summary>
    public void Store(T? value, MemoryOrder order = MemoryOrder.SeqCst)
    {
        if (_bare)
        {
            if (order == MemoryOrder.SeqCst)
            {
                Interlocked.Exchange(ref _value, value);
            }
            else
            {
                Volatile.Write(ref _value, value);
            }

            return;
        }

        StoreHooked(value, order);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StoreHooked(T? value, MemoryOrder order)
    {
        if (_ctl is not { } c)
        {
            _noise!.Point();
            if (order == MemoryOrder.SeqCst)
            {
                Interlocked.Exchange(ref _value, value);
            }
            else
            {
                Volatile.Write(ref _value, value);
            }

            return;
        }

        c.Access(this, AccessKind.Store, order, value);
        _value = value;
    }

    /// <summary>Atomically replaces the pointer and returns the previous one.</summary>
    public T? Exchange(T? value, MemoryOrder order = MemoryOrder.SeqCst)
    {
        if (_bare)
        {
            return Interlocked.Exchange(ref _value, value);
        }

        return ExchangeHooked(value, order);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private T? ExchangeHooked(T? value, MemoryOrder order)
    {
        if (_ctl is not { } c)
        {
            _noise!.Point();
            return Interlocked.Exchange(ref _value, value);
        }

        c.Access(this, AccessKind.Exchange, order, value);
        var old = _value;
        _value = value;
        c.Completed(old);
        return old;
    }

    /// <summary>
    /// Atomically replaces the pointer with <paramref name="desired"/> if it is <paramref name="expected"/>.
    /// On failure <paramref name="expected"/> receives the current pointer.
    /// </summary>
    /// <returns>True if the pointer was replaced.</returns>
    public bool CompareExchange(ref T? expected, T? desired, MemoryOrder order = MemoryOrder.SeqCst)
    {
        if (_bare)
        {
            var seen = Interlocked.CompareExchange(ref _value, desired, expected);
            var ok = ReferenceEquals(seen, expected);
            expected = seen;
            return ok;
        }

        return CompareExchangeHooked(ref expected, desired, order);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool CompareExchangeHooked(ref T? expected, T? desired, MemoryOrder order)
    {
        if (_ctl is not { } c)
        {
            _noise!.Point();
            var seen = Interlocked.CompareExchange(ref _value, desired, expected);
            var ok = ReferenceEquals(seen, expected);
            expected = seen;
            return ok;
        }

        c.Access(this, AccessKind.CompareExchange, order, expected, desired);
        var current = _value;
        var success = ReferenceEquals(current, expected);
        if (success)
        {
            _value = desired;
        }

        expected = current;
        c.CompletedCas(success, current);
        return success;
    }

    /// <summary>Reads the pointer with no scheduling point: for invariant checks and reports only.</summary>
    public T? Peek() => Volatile.Read(ref _value);

    /// <summary>Overwrites the pointer with no scheduling point: for single-threaded phases only.</summary>
    public void Reinitialize(T? value) => Volatile.Write(ref _value, value);
}
