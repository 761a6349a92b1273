using Sim.Runtime.Trace;
using Spectre.Console;

namespace Sim.Cli.Traces;

/// <summary>
/// Shows the steps of a trace: a timeline (step, thread, model operation, action), then each thread's part of it (how
/// many steps it took, where it ended), which is where a deadlock or a lost wake-up shows.
/// </summary>
internal static class StepsView
{
    /// <summary>Writes the last <paramref name="last"/> steps (all when null), then the per-thread summary.</summary>
    public static void Write(IAnsiConsole console, IReadOnlyList<TraceFileStep> steps, int? last)
    {
        if (steps.Count == 0)
        {
            console.WriteLine("(no steps recorded)");
            return;
        }

        var shown = last is { } n && n < steps.Count ? steps.Skip(steps.Count - n).ToList() : [.. steps];
        console.WriteLine(shown.Count < steps.Count
            ? $"Steps: the last {shown.Count} of {steps.Count} (--steps all shows every step)"
            : $"Steps: all {steps.Count}");
        var threadIds = steps.Select(s => s.ThreadId).Distinct().Order().ToList();
        var timeline = new Table().Border(TableBorder.Simple)
            .AddColumn(new TableColumn("Step").RightAligned())
            .AddColumn("Thread")
            .AddColumn("Operation")
            .AddColumn("Action");
        foreach (var s in shown)
        {
            var colour = s.Kind == AccessKind.Failure ? Color.Red : Palette(threadIds.IndexOf(s.ThreadId));
            timeline.AddRow(
                new Text($"#{s.Index}"),
                new Text($"T{s.ThreadId} {s.ThreadName}", new Style(colour)),
                new Text(s.Operation ?? string.Empty),
                new Text(s.Action, new Style(colour)));
        }

        console.Write(timeline);

        var threads = new Table().Border(TableBorder.Simple)
            .AddColumn("Thread")
            .AddColumn(new TableColumn("Steps").RightAligned())
            .AddColumn("Last operation")
            .AddColumn("Last action");
        foreach (var group in steps.GroupBy(s => s.ThreadId).OrderBy(g => g.Key))
        {
            var end = group.Last();
            threads.AddRow(
                new Text($"T{end.ThreadId} {end.ThreadName}", new Style(Palette(threadIds.IndexOf(end.ThreadId)))),
                new Text(group.Count().ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Text(end.Operation ?? string.Empty),
                new Text($"#{end.Index} {end.Action}"));
        }

        console.WriteLine("Thread by thread:");
        console.Write(threads);
    }

    /// <summary>Parses <c>--steps</c>: a positive count, or <c>all</c> (null).</summary>
    public static int? ParseCount(string? text, int? fallback)
    {
        if (text is null)
        {
            return fallback;
        }

        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new UsageException($"--steps \"{text}\" is not valid: give a positive number of steps, or 'all'");
    }

    private static Color Palette(int index) => (index % 6) switch
    {
        0 => Color.Default,
        1 => Color.Aqua,
        2 => Color.Yellow,
        3 => Color.Fuchsia,
        4 => Color.Lime,
        _ => Color.Orange1,
    };
}
