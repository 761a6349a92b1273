namespace Sim.Runtime.Scheduling;

/// <summary>Gives the runs of a gated exploration their policies, one run after another, and hears how each ended.</summary>
internal interface IScheduleDriver
{
    /// <summary>The policy of the next run.</summary>
    SchedulePolicy NextRun();

    /// <summary>The run ended without a finding. Returns false when there is nothing more to run.</summary>
    bool RunEnded();
}

/// <summary>One run under one policy: a replay, or a shrinking candidate.</summary>
internal sealed class SingleRun(SchedulePolicy policy) : IScheduleDriver
{
    /// <inheritdoc/>
    public SchedulePolicy NextRun() => policy;

    /// <inheritdoc/>
    public bool RunEnded() => false;
}
