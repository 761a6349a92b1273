using Sim.Cli.Output;

namespace Sim.Cli.Reports;

/// <summary>
/// The report files of a hunt in its output folder: <c>hunt.json</c> and <c>hunt.junit.xml</c>. They are written as a
/// set: both or neither. Each is first written beside its target; only when both are on disk are they moved into place,
/// and if any step fails, neither report is left there (a CI job then finds no report rather than a half-written pass).
/// </summary>
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

    /// <summary>Removes a previous run's reports, so that none of them can be taken for this run's; a folder that cannot be written is a <see cref="UsageException"/>.</summary>
    public void Clear() => Guard(() =>
    {
        Directory.CreateDirectory(directory);
        Delete(JsonPath);
        Delete(JUnitPath);
    });

    /// <summary>Writes both reports, or neither; a folder that cannot be written is a <see cref="UsageException"/>.</summary>
    public void Write(HuntReport report) => Guard(() =>
    {
        using var json = AtomicFile.Stage(JsonPath, Json.Serialize(report));
        using var junit = AtomicFile.Stage(JUnitPath, JUnitWriter.Render(report));
        try
        {
            junit.Commit();
            json.Commit();
        }
        catch
        {
            TryDelete(JsonPath);
            TryDelete(JUnitPath);
            throw;
        }
    });

    private void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write the reports to {directory}: {Format.OneLine(ex.Message)}; no report was left there; set another outputDirectory (--output or SIM_OUTPUT_DIRECTORY)");
        }
    }

    private static void Delete(string path)
    {
        if (Directory.Exists(path))
        {
            throw new IOException($"{Path.GetFileName(path)} is a folder");
        }

        File.Delete(path);
    }

    private static void TryDelete(string path)
    {
        try
        {
            Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
