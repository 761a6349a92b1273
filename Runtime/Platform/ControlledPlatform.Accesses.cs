using Sim.Runtime.Cells;
using Sim.Runtime.Scheduling;
using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Platform;

/// <summary>
/// Shared accesses, called by the cells: a scheduling point before each, a step that records its values, the race
/// detector's check or synchronisation, and the coverage count.
/// </summary>
internal sealed partial class ControlledPlatform
{
    public void Access(SharedCell cell, AccessKind kind, MemoryOrder order) => Access<object?>(cell, kind, order, null, null, false);

    public void Access<TA>(SharedCell cell, AccessKind kind, MemoryOrder order, TA a) => Access<TA>(cell, kind, order, a, default!, true);

    public void Access<TA>(SharedCell cell, AccessKind kind, MemoryOrder order, TA a, TA b) => Access<TA>(cell, kind, order, a, b, true);

    /// <summary>Records the value an access read (a load's or a plain read's value) on its step; reports the access's race, if it has one.</summary>
    public void Completed<TV>(TV value)
    {
        var p = _pending;
        if (p is not null && ReferenceEquals(p.Thread, SimThread.Current))
        {
            p.Result = value;
            p.HasResult = true;
            _pending = null;
            ReportRace();
        }
    }

    /// <summary>Records what a write, store or read-modify-write found in the cell and left there, on its step; reports the access's race, if it has one.</summary>
    public void Wrote<TV>(TV before, TV after)
    {
        var p = _pending;
        if (p is not null && ReferenceEquals(p.Thread, SimThread.Current))
        {
            p.Result = before;
            p.After = after;
            p.HasResult = true;
            _pending = null;
            ReportRace();
        }
    }

    /// <summary>Records a compare-and-exchange's success and the value it saw on its step; a success may release.</summary>
    public void CompletedCas<TV>(bool success, TV seen)
    {
        var p = _pending;
        if (p is not null && ReferenceEquals(p.Thread, SimThread.Current))
        {
            p.Success = success;
            p.Result = seen;
            p.HasResult = true;
            _pending = null;
            if (p.Cell is { } cell)
            {
                Races?.CompareExchanged(p.Thread, cell, p.Order, success);
            }
        }
    }

    public override AtomicSectionScope AtomicSection()
    {
        _atomicDepth++;
        return new AtomicSectionScope(this);
    }

    internal override void EndAtomicSection() => _atomicDepth--;

    private void Access<TA>(SharedCell cell, AccessKind kind, MemoryOrder order, TA a, TA b, bool hasArgs)
    {
        var me = Enter();
        if (me is null)
        {
            return;
        }

        var plain = kind is AccessKind.Read or AccessKind.Write;
        if (_atomicDepth == 0 && (!plain || TakesPlainPoint(cell)))
        {
            Interleave(me, ScheduleOp.Step(kind, cell.Name));
        }

        var r = Record(kind, cell.Name, hasArgs ? (object?)a : null, hasArgs && kind == AccessKind.CompareExchange ? (object?)b : null, order, cell);
        _pending = r;
        if (r is null)
        {
            return; // the thread unwinds after the run ended: nothing more is recorded or checked
        }

        Coverage?.Access(cell, r, write: kind is not (AccessKind.Load or AccessKind.Read));
        if (Races is not { } races)
        {
            return;
        }

        if (!plain)
        {
            races.Atomic(me, cell, kind, order);
        }
        else
        {
            _race = races.Plain(me, cell, kind == AccessKind.Write, r);
        }
    }

    /// <summary>
    /// Whether a plain access to <paramref name="cell"/> is a scheduling point. By default it is not (the reduction the
    /// race detector makes sound, as in CHESS: in a data-race-free execution every interleaving of plain accesses is
    /// equivalent to one that switches threads only at synchronisation, and a racy one is reported as a race). It is
    /// when the setting asks for it (<see cref="ControlledSettings.PlainAccessPoints"/>), when nothing checks the access
    /// (the detector is off, or the field is declared deliberately racy, so its accesses are relaxed atomics in all but
    /// name), and at every <see cref="MaxPlainRun"/>-th plain access in a row, so that a thread spinning on a plain field
    /// still lets the writer run (and the race be found, or the step bound end a livelock) instead of hanging.
    /// </summary>
    private bool TakesPlainPoint(SharedCell cell) => _plainPoints || cell.Racy is not null || ++_plainRun >= MaxPlainRun;

    /// <summary>Reports the race the access just completed was found in (after its values are on its step), ending the iteration.</summary>
    private void ReportRace()
    {
        if (_race is { } race)
        {
            _race = null;
            Report(RecordedFailure.OfRace(race));
            throw new RunEndedException();
        }
    }
}
