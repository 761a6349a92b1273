using Sim.Runtime.Cells;
using Sim.Runtime.Scheduling;
using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Platform;

/// <summary>Shared accesses, called by the cells: a scheduling point before each, and a step that records its result.</summary>
internal sealed partial class ControlledPlatform
{
    public void Access(SharedCell cell, AccessKind kind, MemoryOrder order) => Access<object?>(cell, kind, order, null, null, false);

    public void Access<TA>(SharedCell cell, AccessKind kind, MemoryOrder order, TA a) => Access<TA>(cell, kind, order, a, default!, true);

    public void Access<TA>(SharedCell cell, AccessKind kind, MemoryOrder order, TA a, TA b) => Access<TA>(cell, kind, order, a, b, true);

    /// <summary>Records the value an access read (a load's value, a read-modify-write's previous value) on its step.</summary>
    public void Completed<TV>(TV value)
    {
        var p = _pending;
        if (p is not null && ReferenceEquals(p.Thread, SimThread.Current))
        {
            p.Result = value;
            p.HasResult = true;
            _pending = null;
        }
    }

    /// <summary>Records a compare-and-exchange's success and the value it saw on its step.</summary>
    public void CompletedCas<TV>(bool success, TV seen)
    {
        var p = _pending;
        if (p is not null && ReferenceEquals(p.Thread, SimThread.Current))
        {
            p.Success = success;
            p.Result = seen;
            p.HasResult = true;
            _pending = null;
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

        if (_atomicDepth == 0)
        {
            Interleave(me, ScheduleOp.Step(kind, cell.Name));
        }

        _pending = Record(kind, cell.Name, hasArgs ? (object?)a : null, hasArgs && kind == AccessKind.CompareExchange ? (object?)b : null, order);
    }
}
