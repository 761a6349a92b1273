using System.Globalization;
using System.Text;
using Sim.Runtime.Trace;
using Spectre.Console;

namespace Sim.Cli.Timeline;

/// <summary>
/// The readable trace of <c>sim replay</c> and of <c>sim explore</c>'s bug report: one column per thread and one row per
/// step, each step in its thread's column with its Model operation (when it changes) and what it did, values included;
/// preemptions, blocking, wake-ups and the racing accesses marked; the failing check last; then the legend. Text that
/// does not fit its column runs on to the right (the columns to its right are empty on that row) and wraps at the
/// console's width, at word boundaries, so it stays readable at 80 columns. README, "Reading a trace", explains it.
/// </summary>
internal static class LaneView
{
    /// <summary>Width of the step column: <c>  123&gt; </c>.</summary>
    private const int StepWidth = 7;

    /// <summary>The narrowest room the rightmost column's text may have: the columns to its left narrow to leave it.</summary>
    private const int MinText = 36;

    /// <summary>The legend, each line within 80 columns.</summary>
    public static IReadOnlyList<string> Legend { get; } =
    [
        "Legend: one column per thread, one row per step (step numbers are the trace's).",
        "  f: a -> b      a write: field f held a and now holds b (store, exchange,",
        "                 fetch_add +n, fetch_or |n, fetch_and &n, a plain write)",
        "  f == v         a read: the load or plain read saw v",
        "  cas f: a -> b  compare-and-exchange expecting a, storing b; 'failed, saw c'",
        "                 when f held c instead",
        "  (LOCKED)       the value as the field's formatter decodes it",
        "  _relaxed _acquire _release _acq_rel   the atomic's memory order, as",
        "                 pyatomic.h suffixes it (sequentially consistent: no suffix)",
        "  Op(args):      the Model operation the thread entered with this step",
        "  >              a preemption: the scheduler switched to this thread away",
        "                 from one that could have gone on",
        "  [blocks]       the thread waits after this step (a park that parked, a join",
        "                 of a running thread, a spin loop's yield that steps aside)",
        "  <- #n          the thread goes on because of step n (the unpark that woke",
        "                 it, or the last step of the thread it joined)",
        "  [race]         one of the two accesses of the data race",
        "  XX             the failing check, the finding, last",
    ];

    /// <summary>Writes the timeline's last <paramref name="last"/> steps (all when null) to <paramref name="console"/>, then the legend.</summary>
    public static void Write(IAnsiConsole console, TraceTimeline timeline, int? last)
    {
        foreach (var line in Render(timeline, console.Profile.Width, last))
        {
            console.Write(new Text(line.Text + "\n", line.Failure ? new Style(Color.Red) : new Style(Palette(line.Lane))));
        }
    }

    /// <summary>The lines of the view at <paramref name="width"/> columns (the lane each belongs to, for colour).</summary>
    public static IReadOnlyList<Line> Render(TraceTimeline timeline, int width, int? last)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        width = Math.Max(width, StepWidth + MinText + 4);
        var lines = new List<Line>();
        var steps = timeline.Steps;
        if (steps.Count == 0)
        {
            lines.Add(new Line("(no steps recorded)", -1, false));
            return lines;
        }

        var shownFrom = last is { } n && n < steps.Count ? steps.Count - n : 0;
        lines.Add(new Line(shownFrom > 0
            ? $"Steps: the last {steps.Count - shownFrom} of {steps.Count} (--steps all shows every step)"
            : $"Steps: all {steps.Count}", -1, false));

        var lanes = timeline.Threads.Count;
        var laneWidth = LaneWidth(lanes, width);
        if (laneWidth - 1 < timeline.Threads.Max(t => t.Label.Length))
        {
            lines.AddRange(Wrap("Threads: " + string.Join(", ", timeline.Threads.Select(t => t.Label)), width).Select(l => new Line(l, -1, false)));
        }

        lines.Add(new Line(Header(timeline, laneWidth), -1, false));
        lines.Add(new Line(Rule(lanes, laneWidth), -1, false));

        var operation = new Dictionary<int, string?>();
        for (var i = 0; i < steps.Count; i++)
        {
            if (i == shownFrom)
            {
                operation.Clear(); // the first shown step of each thread names its operation
            }

            var s = steps[i];
            var changed = !operation.TryGetValue(s.ThreadId, out var previous) || previous != s.Operation;
            operation[s.ThreadId] = s.Operation;
            if (i < shownFrom)
            {
                continue;
            }

            var lane = timeline.LaneOf(s.ThreadId);
            var stepColumn = $"{s.Index.ToString(CultureInfo.InvariantCulture),5}{(s.Preempted ? '>' : ' ')} ";
            if (s.Kind == AccessKind.Failure)
            {
                Full(lines, stepColumn, $"XX {s.ThreadName}: {s.Action}", width, lane);
                continue;
            }

            var text = Text(timeline, s, changed);
            var start = StepWidth + (lane * laneWidth) + 2;
            var wrapped = Wrap(text, width - start);
            for (var k = 0; k < wrapped.Count; k++)
            {
                lines.Add(new Line(Row(k == 0 ? stepColumn : new string(' ', StepWidth), lane, laneWidth, start, wrapped[k]), lane, false));
            }
        }

        if (!timeline.EndsWithFailureStep && timeline.Message is { } message)
        {
            Full(lines, "    -- ", $"XX {message}", width, -1);
        }

        lines.Add(new Line(string.Empty, -1, false));
        lines.AddRange(Legend.Select(l => new Line(l, -1, false)));
        return lines;
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

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new UsageException($"--steps \"{text}\" is not valid: give a positive number of steps, or 'all'");
    }

    /// <summary>Wraps <paramref name="text"/> at word boundaries into lines of at most <paramref name="width"/> characters.</summary>
    public static IReadOnlyList<string> Wrap(string text, int width)
    {
        width = Math.Max(width, 8);
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var rest = word;
            while (rest.Length > 0)
            {
                var room = width - line.Length - (line.Length > 0 ? 1 : 0);
                if (rest.Length <= room)
                {
                    line.Append(line.Length > 0 ? " " : string.Empty).Append(rest);
                    rest = string.Empty;
                }
                else if (line.Length > 0)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                }
                else
                {
                    lines.Add(rest[..width]);
                    rest = rest[width..];
                }
            }
        }

        if (line.Length > 0 || lines.Count == 0)
        {
            lines.Add(line.ToString());
        }

        return lines;
    }

    /// <summary>A step's text: its operation when it changed, its action, and its marks.</summary>
    private static string Text(TraceTimeline timeline, TraceStep s, bool operationChanged)
    {
        var text = new StringBuilder();
        if (operationChanged && s.Operation is not null)
        {
            text.Append(s.Operation).Append(": ");
        }

        text.Append(s.Action);
        if (s.Blocks)
        {
            text.Append(" [blocks]");
        }

        if (s.WokenBy is { } cause)
        {
            text.Append(" <- #").Append(cause.ToString(CultureInfo.InvariantCulture));
        }

        if (timeline.IsRacing(s))
        {
            text.Append(" [race]");
        }

        return text.ToString();
    }

    /// <summary>
    /// How wide each thread's column is: an equal share of the width, at most 40, but narrow enough that the last column's
    /// text has <see cref="MinText"/> characters before the edge (text runs on to the right of its column, so a column
    /// may be narrower than its text).
    /// </summary>
    private static int LaneWidth(int lanes, int width)
    {
        var share = Math.Min(40, (width - StepWidth) / Math.Max(lanes, 1));
        return lanes <= 1 ? share : Math.Max(3, Math.Min(share, (width - StepWidth - MinText) / (lanes - 1)));
    }

    private static string Header(TraceTimeline timeline, int laneWidth)
    {
        var header = new StringBuilder(" step  ");
        foreach (var t in timeline.Threads)
        {
            var label = t.Label.Length <= laneWidth - 1 ? t.Label : t.Label[..Math.Max(1, laneWidth - 2)] + "~";
            header.Append('│').Append(label.PadRight(laneWidth - 1));
        }

        return header.ToString().TrimEnd();
    }

    private static string Rule(int lanes, int laneWidth)
    {
        var rule = new StringBuilder(new string('─', StepWidth));
        for (var i = 0; i < lanes; i++)
        {
            rule.Append('┼').Append(new string('─', laneWidth - 1));
        }

        return rule.ToString();
    }

    /// <summary>One line: the step column, the rules of the columns up to the thread's, and the text from <paramref name="start"/> on (over the empty columns to its right).</summary>
    private static string Row(string stepColumn, int lane, int laneWidth, int start, string text)
    {
        var row = new char[start + text.Length];
        Array.Fill(row, ' ');
        stepColumn.CopyTo(0, row, 0, stepColumn.Length);
        for (var i = 0; i <= lane; i++)
        {
            row[StepWidth + (i * laneWidth)] = '│';
        }

        text.CopyTo(0, row, start, text.Length);
        return new string(row).TrimEnd();
    }

    /// <summary>A row across every column: the failing check or the finding.</summary>
    private static void Full(List<Line> lines, string stepColumn, string text, int width, int lane)
    {
        var wrapped = Wrap(text, width - StepWidth);
        for (var k = 0; k < wrapped.Count; k++)
        {
            lines.Add(new Line((k == 0 ? stepColumn : new string(' ', StepWidth)) + wrapped[k], lane, true));
        }
    }

    private static Color Palette(int lane) => lane switch
    {
        < 0 => Color.Default,
        _ => (lane % 6) switch
        {
            0 => Color.Default,
            1 => Color.Aqua,
            2 => Color.Yellow,
            3 => Color.Fuchsia,
            4 => Color.Lime,
            _ => Color.Orange1,
        },
    };

    /// <summary>One line of the view.</summary>
    /// <param name="Text">The text, without a line end.</param>
    /// <param name="Lane">The thread column it belongs to, or -1.</param>
    /// <param name="Failure">True for the failing check and the finding.</param>
    internal sealed record Line(string Text, int Lane, bool Failure);
}
