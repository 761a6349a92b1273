using Sim.Cli.Output;

namespace Sim.Cli.Timeline;

/// <summary>Writes a timeline page (<see cref="TimelinePage"/>) to a file, in one piece.</summary>
internal static class TimelinePageFile
{
    /// <summary>Writes the page of <paramref name="timeline"/> to <paramref name="path"/>; a path that cannot be written is bad input.</summary>
    public static void Write(string path, TraceTimeline timeline)
    {
        try
        {
            AtomicFile.WriteAllText(path, TimelinePage.Render(timeline));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write the timeline page to {path}: {ex.Message}; give another --html path");
        }
    }
}
