using Sim.Cli.Configuration;
using Sim.Cli.Output;
using Sim.Cli.Traces;
using Sim.Runtime.Exploration;
using Sim.Runtime.Scheduling;

namespace Sim.Cli.Commands;

/// <summary>Shared one-line descriptions of settings and results.</summary>
internal static class Describe
{
    /// <summary>"portfolio, seed 20261125, up to 1,000 iterations, at most 10,000 steps each".</summary>
    public static string Options(ExplorationOptions o)
    {
        var bound = StrategyRow.Of(o.Strategy).UsesBound ? $" (bound {o.StrategyBound})" : string.Empty;
        var limit = o.TimeLimit is { } t ? $", time limit {Format.Duration(t)}" : string.Empty;
        return $"{o.Strategy.Name()}{bound}, seed {o.Seed}, up to {Format.Count(o.Iterations)} iterations, at most {Format.Count(o.MaxSteps)} steps each{limit}";
    }

    /// <summary>"40 steps, 1 preemption (shrunk from 118 steps, 3 preemptions in 23 candidate schedules)".</summary>
    public static string Schedule(ScheduleRecord schedule, TraceShrink? shrink) =>
        Format.Steps(schedule.Steps, schedule.Preemptions)
        + (shrink is { } s && (s.StepsBefore != schedule.Steps || s.PreemptionsBefore != schedule.Preemptions)
            ? $" (shrunk from {Format.Steps(s.StepsBefore, s.PreemptionsBefore)} in {Format.Count(s.Runs)} candidate schedules)"
            : string.Empty);

    /// <summary>What shrinking did: "118 steps, 3 preemptions -> 40 steps, 1 preemption (23 candidate schedules, 0.41 s)".</summary>
    public static string Shrink(ShrinkReport s) =>
        s.Shrunk
            ? $"{Format.Steps(s.StepsBefore, s.PreemptionsBefore)} -> {Format.Steps(s.StepsAfter, s.PreemptionsAfter)} ({Format.Count(s.Runs)} candidate schedules, {Format.Duration(s.Elapsed)})"
            : $"no smaller schedule fails the same way ({Format.Steps(s.StepsBefore, s.PreemptionsBefore)}; {Format.Count(s.Runs)} candidate schedules, {Format.Duration(s.Elapsed)})";

    /// <summary>The command that replays a trace, runnable from a clone: <c>dotnet run --project Cli -- replay PATH</c>.</summary>
    public static string ReplayCommand(CliContext context, string tracePath)
    {
        var cli = ToolInfo.ProjectDirectory is { } project ? context.Show(project) : null;
        var trace = context.Show(tracePath);
        return cli is null ? $"sim replay {Quote(trace)}" : $"dotnet run --project {Quote(cli)} -- replay {Quote(trace)}";
    }

    private static string Quote(string path) => path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '&' or ';' or '|') ? $"'{path.Replace("'", "'\\''", StringComparison.Ordinal)}'" : path;

    /// <summary>Where the settings came from: the config file, or the built-in defaults.</summary>
    public static string Source(ResolvedSettings settings, CliContext context)
    {
        var file = settings.File is { } f ? context.Show(f.FullPath) : "no config file (built-in defaults)";
        var overrides = settings.Origins
            .Where(o => SettingFields.Get(o.Key).Scope != SettingScope.Stress && o.Value.Source is SettingSource.Environment or SettingSource.Flag)
            .Select(o => o.Value.Where)
            .Distinct()
            .ToList();
        return overrides.Count == 0 ? file : $"{file}, overridden by {string.Join(", ", overrides)}";
    }
}
