using System.Diagnostics.CodeAnalysis;
using Microsoft.Coyote.Random;
using Microsoft.Coyote.Specifications;
using Sim.Runtime.Threads;
using Sim.Runtime.Trace;

namespace Sim.Runtime.Platform;

/// <summary>Choices are Coyote's controlled choices; a failure is recorded with its kind and ends the iteration as a bug.</summary>
internal sealed partial class ControlledPlatform
{
    public override bool ChooseBool(string label)
    {
        Enter();
        var v = (_random ??= Generator.Create()).NextBoolean();
        Note(AccessKind.Choose, label, v);
        return v;
    }

    public override int ChooseInt(string label, int count)
    {
        Enter();
        var v = (_random ??= Generator.Create()).NextInteger(count);
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

    /// <summary>Records the failure, as a step and as the run's failure, and ends the iteration as a bug (a Coyote assertion).</summary>
    private void Report(RecordedFailure failure)
    {
        Record(AccessKind.Failure, failure.Message);
        Runtime.RecordFailure(failure);
        Specification.Assert(false, "{0}", failure.Message);
    }
}
