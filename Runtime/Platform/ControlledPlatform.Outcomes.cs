using System.Diagnostics.CodeAnalysis;
using Microsoft.Coyote.Random;
using Microsoft.Coyote.Specifications;
using Sim.Runtime.Scheduling;
using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Platform;

/// <summary>
/// Choices are Coyote's controlled choices (a gated run's policy's, in a gated run), recorded in the schedule; a failure
/// is recorded with its kind and ends the iteration as a bug.
/// </summary>
internal sealed partial class ControlledPlatform
{
    public override bool ChooseBool(string label)
    {
        var v = Choose(label, 2, static g => g.NextBoolean() ? 1 : 0) == 1;
        Note(AccessKind.Choose, label, v);
        return v;
    }

    public override int ChooseInt(string label, int count)
    {
        var v = Choose(label, count, g => g.NextInteger(count));
        Note(AccessKind.Choose, label, v);
        return v;
    }

    [DoesNotReturn]
    public override void Fail(string message)
    {
        Report(RecordedFailure.Check(message));
        throw new RunEndedException();
    }

    public override void ReportThreadException(SimThread thread, Exception exception) => Report(RecordedFailure.ThreadThrew(thread, exception));

    private int Choose(string label, int count, Func<Generator, int> coyote)
    {
        var me = Enter();
        int v;
        if (_policy is { } policy && me is not null)
        {
            try
            {
                v = policy.NextValue(me.Id, label, count);
            }
            catch (ScheduleDivergedException ex)
            {
                Diverge(me, ex.Message);
                throw;
            }

            if (v == SchedulePolicy.EndAsLivelock)
            {
                ReportLivelock(me);
            }
        }
        else
        {
            try
            {
                v = coyote(_random ??= Generator.Create());
            }
            catch (Exception ex) when (me is not null && me.Freeze(ex))
            {
                throw;
            }
        }

        if (me is not null && (_settings.RecordSchedule || _policy is not null))
        {
            _schedule.Add(ScheduleEntry.Choice(me.Id, label, count, v));
        }

        return v;
    }

    /// <summary>Records the failure, as a step and as the run's failure, and ends the iteration as a bug (a Coyote assertion).</summary>
    private void Report(RecordedFailure failure)
    {
        Record(AccessKind.Failure, failure.Message);
        Runtime.RecordFailure(failure);
        SimThread.Current?.Freeze(new RunEndedException());
        Runtime.MarkEnded();
        Specification.Assert(false, "{0}", failure.Message);
    }
}
