using Sim.Cli.Output;

namespace Sim.Cli.Reports;

/// <summary>The report files of a hunt in its output folder: <c>hunt.json</c> and <c>hunt.junit.xml</c>, each written in one piece.</summary>
/// <param name="directory">The output folder.</param>
internal sealed class HuntReportFiles(string directory)
{
    /// <summary>The JSON report's file name in the output folder.</summary>
    public const string JsonName = "hunt.json";

    /// <summary>The JUnit report's file name in the output folder.</summary>
    public const string JUnitName = "hunt.junit.xml";

    /// <summary>The JSON report's path.</summary>
    public string JsonPath { get; } = Path.Combine(directory, JsonName);

    /// <summary>The JUnit report's path.</summary>
    public string JUnitPath { get; } = Path.Combine(directory, JUnitName);

    /// <summary>Writes both reports; a folder that cannot be written is a <see cref="UsageException"/>.</summary>
    public void Write(HuntReport report)
    {
        try
        {
            AtomicFile.WriteAllText(JsonPath, Json.Serialize(report));
            AtomicFile.WriteAllText(JUnitPath, JUnitWriter.Render(report));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write the reports to {directory}: {ex.Message}; set another outputDirectory (--output or SIM_OUTPUT_DIRECTORY)");
        }
    }
}
