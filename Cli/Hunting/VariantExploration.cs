using System.Diagnostics;
using Sim.Cli.Output;
using Sim.Cli.Traces;
using Sim.Runtime.Exploration;

namespace Sim.Cli.Hunting;

/// <summary>Explores one variant and saves the trace of a bug; shared by <c>explore</c>, <c>compare</c> and the hunt loop.</summary>
internal static class VariantExploration
{
    /// <summary>
    /// Explores <paramref name="variant"/>. Whatever the scenario does (throw, deadlock, livelock, escape the Runtime),
    /// the result says so; the harness itself failing is reported as a scenario error, never thrown.
    /// </summary>
    public static ExplorationResult Run(VariantRef variant, ExplorationOptions options, Action<int>? onIteration = null)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            return Explorer.Explore(variant.Scenario.Program(variant.Variant), options, onIteration);
        }
        catch (Exception ex)
        {
            return new ExplorationResult
            {
                Outcome = Outcome.ScenarioError,
                Message = $"the exploration failed: {ex.GetType().Name}: {Format.OneLine((ex.GetBaseException() ?? ex).Message)}",
                Iterations = 0,
                SchedulingSteps = 0,
                Elapsed = clock.Elapsed,
                Strategy = options.Strategy.Name(),
            };
        }
    }

    /// <summary>Saves the trace of a found bug under <paramref name="outputDirectory"/>; returns its path, or null if there is no bug.</summary>
    public static string? SaveTrace(VariantRef variant, ExplorationOptions options, ExplorationResult result, string outputDirectory)
    {
        if (!result.FoundBug || result.Schedule is null)
        {
            return null;
        }

        var path = TraceStore.DefaultPath(outputDirectory, variant, options);
        try
        {
            TraceStore.Save(TraceStore.FromResult(variant, options, result), path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write the trace to {path}: {ex.Message}; set another outputDirectory (--output or SIM_OUTPUT_DIRECTORY)");
        }

        return path;
    }
}
