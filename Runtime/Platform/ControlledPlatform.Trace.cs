using Sim.Runtime.Cells;
using Sim.Runtime.Scheduling;
using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Platform;

/// <summary>The iteration's readable steps: traced steps that are scheduling points, and notes that are not.</summary>
internal sealed partial class ControlledPlatform
{
    public override void Step(AccessKind kind, string target, object? a = null, object? b = null)
    {
        var me = Enter();
        if (me is not null && _atomicDepth == 0)
        {
            Interleave(me, ScheduleOp.Step(kind, target));
        }

        Record(kind, target, a, b);
    }

    public override void Note(AccessKind kind, string target, object? result = null)
    {
        var r = Record(kind, target);
        if (r is not null && result is not null)
        {
            r.Result = result;
            r.HasResult = true;
            _pending = null;
        }
    }

    private StepRecord? Record(AccessKind kind, string target, object? a = null, object? b = null, MemoryOrder order = MemoryOrder.SeqCst)
    {
        var me = SimThread.Current;
        if (me is null || !ReferenceEquals(me.Runtime, Runtime) || me.IsFrozen)
        {
            return null;
        }

        var r = new StepRecord
        {
            Index = _steps.Count + 1,
            Thread = me,
            Operation = me.CurrentOperation,
            Kind = kind,
            Target = target,
            Order = order,
            A = a,
            B = b,
        };
        _steps.Add(r);
        me.LastStep = r;
        me.StepsTaken++;
        return r;
    }
}
