using System.CommandLine;

namespace Sim.Cli;

/// <summary>
/// <c>sim --help</c>'s list of commands as System.CommandLine 2.0 writes it, with one fix: it shows every argument as
/// required (<c>compare &lt;scenario&gt;</c>), so an optional one is written <c>[&lt;scenario&gt;]</c>, as the command's
/// own usage line does, and the descriptions are moved right to keep their column.
/// </summary>
internal static class RootHelp
{
    public static string MarkOptionalArguments(string help, RootCommand root)
    {
        var labels = root.Subcommands.Where(c => !c.Hidden).ToDictionary(
            c => Label(c, optional: false),
            c => Label(c, optional: true));
        var lines = help.Split('\n');
        var start = Array.FindIndex(lines, l => l.TrimEnd() == "Commands:");
        if (start < 0 || labels.All(p => p.Key == p.Value))
        {
            return help;
        }

        var rows = lines.Skip(start + 1).TakeWhile(l => l.Trim().Length > 0).ToList();
        var first = rows.FirstOrDefault(r => labels.Keys.Any(k => r.StartsWith($"  {k}  ", StringComparison.Ordinal)));
        if (first is null)
        {
            return help;
        }

        var oldColumn = first.Length - first.TrimStart().Length + first.TrimStart().IndexOf("  ", StringComparison.Ordinal);
        oldColumn += first[oldColumn..].Length - first[oldColumn..].TrimStart().Length;
        var newColumn = Math.Max(oldColumn, labels.Values.Max(l => l.Length) + 4);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var label = labels.Keys.FirstOrDefault(k => row.StartsWith($"  {k}  ", StringComparison.Ordinal));
            lines[start + 1 + i] = label is not null
                ? $"  {labels[label]}".PadRight(newColumn) + row[oldColumn..]
                : new string(' ', newColumn - oldColumn) + row;
        }

        return string.Join('\n', lines);
    }

    private static string Label(Command command, bool optional) =>
        string.Join(' ', command.Arguments.Where(a => !a.Hidden).Select(a => optional && a.Arity.MinimumNumberOfValues == 0 ? $"[<{a.HelpName ?? a.Name}>]" : $"<{a.HelpName ?? a.Name}>").Prepend(command.Name));
}
