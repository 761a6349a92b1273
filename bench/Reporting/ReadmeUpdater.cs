namespace Sim.Bench.Reporting;

/// <summary>Replaces one marked section of bench/README.md, leaving the rest as it is.</summary>
internal static class ReadmeUpdater
{
    /// <summary>Writes <paramref name="content"/> between <c>&lt;!-- bench:NAME:begin --&gt;</c> and <c>&lt;!-- bench:NAME:end --&gt;</c>.</summary>
    /// <exception cref="HarnessException">The file or its markers are missing.</exception>
    public static void Replace(string path, string name, string content)
    {
        var begin = $"<!-- bench:{name}:begin -->";
        var end = $"<!-- bench:{name}:end -->";
        if (!File.Exists(path))
        {
            throw new HarnessException($"{path} does not exist");
        }

        var text = File.ReadAllText(path).ReplaceLineEndings("\n");
        var i = text.IndexOf(begin, StringComparison.Ordinal);
        var j = text.IndexOf(end, StringComparison.Ordinal);
        if (i < 0 || j < i)
        {
            throw new HarnessException($"{path} has no section marked {begin} ... {end}");
        }

        var updated = text[..(i + begin.Length)] + "\n" + content.TrimEnd('\n') + "\n" + text[j..];
        File.WriteAllText(path, updated);
    }
}
