using System.Globalization;
using System.Text;
using Sim.Cli.Output;

namespace Sim.Cli.Reports;

/// <summary>
/// A hunt's hold on its output folder: the file <see cref="FileName"/> in it, open for the whole hunt with no sharing
/// (on Linux and macOS .NET takes an exclusive <c>flock</c> on it), deleted when the hunt ends. A second hunt on the same
/// folder is refused with one line instead of overwriting the first one's reports. A lock left by a killed process is
/// not held (the system drops it with the process), so it never blocks the next hunt. Taking it also checks, before
/// anything is explored, that the folder can be written.
/// </summary>
internal sealed class OutputLock : IDisposable
{
    /// <summary>The lock file's name in the output folder.</summary>
    public const string FileName = ".sim-hunt.lock";

    private readonly FileStream _stream;

    private OutputLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock on <paramref name="directory"/>, creating it; refuses (a <see cref="UsageException"/>) if another hunt holds it or the folder cannot be written.</summary>
    public static OutputLock Take(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            Directory.CreateDirectory(directory);
            Directory.CreateDirectory(Path.Combine(directory, "traces"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write to the output folder {directory}: {Format.OneLine(ex.Message)}; set another outputDirectory (--output or SIM_OUTPUT_DIRECTORY)");
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new UsageException(
                $"another sim hunt is writing to {directory} (it holds {FileName} there); wait for it to finish, or give this hunt another --output");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write to the output folder {directory}: {Format.OneLine(ex.Message)}; set another outputDirectory (--output or SIM_OUTPUT_DIRECTORY)");
        }

        var owner = Encoding.UTF8.GetBytes($"pid {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}\n");
        stream.SetLength(0);
        stream.Write(owner);
        stream.Flush();
        return new OutputLock(stream);
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();
}
