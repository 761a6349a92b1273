using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Sim.Cli.Output;
using Sim.Scenarios.Catalog;

namespace Sim.Cli.Reports;

/// <summary>
/// Writes a hunt as JUnit XML (<c>hunt.junit.xml</c>), the format CI systems show as test results: one
/// <c>testsuite</c> per scenario, one <c>testcase</c> per variant; a <c>failure</c> when the expectation did not hold,
/// an <c>error</c> when the scenario escaped the Runtime's control.
/// </summary>
internal static class JUnitWriter
{
    /// <summary>The XML text of <paramref name="report"/>.</summary>
    public static string Render(HuntReport report)
    {
        var suites = report.Results
            .GroupBy(r => r.Scenario)
            .Select(g => new XElement("testsuite",
                new XAttribute("name", g.Key),
                new XAttribute("tests", g.Count()),
                new XAttribute("failures", g.Count(r => r.Verdict == VerdictKind.NotMet)),
                new XAttribute("errors", g.Count(r => r.Verdict == VerdictKind.Error)),
                new XAttribute("skipped", 0),
                new XAttribute("time", Seconds(g.Sum(r => r.ElapsedSeconds))),
                new XAttribute("timestamp", report.StartedAt.UtcDateTime.ToString("s", CultureInfo.InvariantCulture)),
                g.Select(Case)));
        var root = new XElement("testsuites",
            new XAttribute("name", "sim hunt"),
            new XAttribute("tests", report.Results.Count),
            new XAttribute("failures", report.NotMet),
            new XAttribute("errors", report.Errors),
            new XAttribute("time", Seconds(report.ElapsedSeconds)),
            new XElement("properties",
                Property("tool", report.Tool),
                report.Settings.Select(s => Property(s.Key, s.Value?.ToString() ?? "none")),
                Property("shard", report.Shard)),
            suites);

        var sb = new StringBuilder();
        using (var writer = XmlWriter.Create(sb, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), NewLineChars = "\n" }))
        {
            new XDocument(new XDeclaration("1.0", "utf-8", null), root).Save(writer);
        }

        // StringBuilder output declares utf-16; the file is written as UTF-8.
        return sb.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal) + "\n";
    }

    private static XElement Case(HuntEntry r)
    {
        var element = new XElement("testcase",
            new XAttribute("classname", r.Scenario),
            new XAttribute("name", r.Variant),
            new XAttribute("time", Seconds(r.ElapsedSeconds)));
        var details = Clean(
            $"expected: {r.Expected}\noutcome: {Json.Name(r.Outcome)}{(r.Kind is { } kind ? $" ({Json.Name(kind)})" : string.Empty)}\n" +
            $"iterations: {r.Iterations}\nstrategy: {r.Strategy}\n" +
            (r.Message is null ? string.Empty : $"message: {r.Message}\n") +
            (r.Schedules.Length == 0 ? string.Empty : $"schedules: {r.Schedules}\n") +
            (r.Trace is null ? string.Empty : $"trace: {r.Trace}\n"));
        switch (r.Verdict)
        {
            case VerdictKind.NotMet:
                element.Add(new XElement("failure", new XAttribute("message", Clean(r.Explanation)), new XAttribute("type", "ExpectationNotMet"), details));
                break;
            case VerdictKind.Error:
                element.Add(new XElement("error", new XAttribute("message", Clean(r.Explanation)), new XAttribute("type", "ScenarioError"), details));
                break;
            default:
                element.Add(new XElement("system-out", details));
                break;
        }

        return element;
    }

    private static XElement Property(string name, string value) =>
        new("property", new XAttribute("name", name), new XAttribute("value", Clean(value)));

    private static string Seconds(double seconds) => seconds.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>Drops characters XML 1.0 cannot carry (control characters a message might hold).</summary>
    private static string Clean(string text) => string.Concat(text.Where(XmlConvert.IsXmlChar));
}
