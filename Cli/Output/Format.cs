using System.Globalization;

namespace Sim.Cli.Output;

/// <summary>How numbers and durations read in the tool's output.</summary>
internal static class Format
{
    /// <summary>12,345.</summary>
    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>0.84 s, 12.3 s, 2 min 05 s.</summary>
    public static string Duration(TimeSpan t) => t.TotalSeconds switch
    {
        < 10 => $"{t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s",
        < 60 => $"{t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s",
        _ => $"{(int)t.TotalMinutes} min {t.Seconds:00} s",
    };

    /// <summary>Events per second: 1,234 or 10.5.</summary>
    public static string Rate(long events, TimeSpan t) =>
        t.TotalSeconds <= 0 ? "-" : (events / t.TotalSeconds).ToString(events / t.TotalSeconds >= 100 ? "N0" : "0.0", CultureInfo.InvariantCulture);

    /// <summary>"1 scenario", "2 scenarios": a count and its noun.</summary>
    public static string Plural(long n, string noun) => $"{Count(n)} {noun}{(n == 1 ? string.Empty : "s")}";

    /// <summary>"40 steps, 1 preemption": a schedule's size.</summary>
    public static string Steps(long steps, long preemptions) => $"{Plural(steps, "step")}, {Plural(preemptions, "preemption")}";

    /// <summary>Folds a message onto one line.</summary>
    public static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
