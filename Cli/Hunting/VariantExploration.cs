using System.Diagnostics;
using Sim.Cli.Output;
using Sim.Cli.Traces;
using Sim.Runtime.Exploration;

namespace Sim.Cli.Hunting;

/// <summary>Explores one variant and saves the trace of a bug; shared by <c>explore</c>, <c>compare</c> and the hunt loop.</summary>
internal static class VariantExploration
{
    /// <summary>
    /// Refuses, before anything is explored, an output folder that could not take a trace: a path through a file, or
    /// one under a folder that cannot be written. Creates nothing, so that a clean run still leaves no folder behind.
    /// </summary>
    public static void CheckOutputFolder(string outputDirectory)
    {
        var folder = new DirectoryInfo(Path.Combine(outputDirectory, "traces"));
        while (folder is { Exists: false })
        {
            if (File.Exists(folder.FullName))
            {
                throw Unwritable(outputDirectory, $"{folder.FullName} is a file");
            }

            folder = folder.Parent;
        }

        if (folder is null)
        {
            return;
        }

        try
        {
            new FileStream(Path.Combine(folder.FullName, $".sim-probe-{Environment.ProcessId}"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose).Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unwritable(outputDirectory, Format.OneLine(ex.Message));
        }
    }

    /// <summary>
    /// Explores <paramref name="variant"/>. Whatever the scenario does (throw, deadlock, livelock, escape the Runtime),
    /// the result says so; the harness itself failing is reported as an error of the tool, never thrown.
    /// </summary>
    public static ExplorationResult Run(VariantRef variant, ExplorationOptions options, Action<int>? onIteration = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            return Explorer.Explore(variant.Scenario.Program(variant.Variant), options, onIteration, cancel);
        }
        catch (Exception ex)
        {
            return new ExplorationResult
            {
                Outcome = Outcome.ToolError,
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

    private static UsageException Unwritable(string outputDirectory, string why) =>
        new($"cannot write to the output folder {outputDirectory}: {why}; set another outputDirectory (--output or SIM_OUTPUT_DIRECTORY)");
}
