using System.Runtime.CompilerServices;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Cells;

/// <summary>
/// A non-atomic shared field: a C field read and written with ordinary loads and stores, such as
/// <c>ThreadHandle.state</c> (guarded by a mutex) or <c>ob_ref_local</c> (written by its owner only).
/// In controlled mode each access is a scheduling point and a trace entry, so that a read and a later
/// write by the same thread can be separated by another thread's write: the lost updates and stale reads
/// that a missing lock allows are there to be found.
/// </summary>
/// <typeparam name="T">The field's type.</typeparam>
public sealed class PlainCell<T> : SharedCell
{
    private T _value;

    /// <summary>Creates the cell with an initial value (the initialisation is not a shared access).</summary>
    public PlainCell(SimRuntime runtime, string name, T initial = default!)
        : base(runtime, name) => _value = initial;

    /// <summary>Reads the field.</summary>
    public T Read()
    {
        if (_bare)
        {
            return _value;
        }

        return ReadHooked();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private T ReadHooked()
    {
        if (_ctl is not { } c)
        {
            _noise!.Point();
            return _value;
        }

        c.Access(this, AccessKind.Read, MemoryOrder.Relaxed);
        var v = _value;
        c.Completed(v);
        return v;
    }

    /// <summary>Writes the field.</summary>
    public void Write(T value)
    {
        if (_bare)
        {
            _value = value;
            return;
        }

        WriteHooked(value);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteHooked(T value)
    {
        if (_ctl is not { } c)
        {
            _noise!.Point();
            _value = value;
            return;
        }

        c.Access(this, AccessKind.Write, MemoryOrder.Relaxed, value);
        _value = value;
    }

    /// <summary>Reads the field with no scheduling point: for invariant checks and reports only.</summary>
    public T Peek() => _value;

    /// <summary>Overwrites the field with no scheduling point: for single-threaded phases only.</summary>
    public void Reinitialize(T value) => _value = value;

    /// <inheritdoc/>
    public override string ToString() => $"{Name}={_value}";
}
