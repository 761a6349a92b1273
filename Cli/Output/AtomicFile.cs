using System.Text;

namespace Sim.Cli.Output;

/// <summary>
/// Writes a file in one piece: the content goes to a temporary file beside the target, which is then moved over it.
/// A reader never sees half a file, and a failure leaves the old file (or none) in place.
/// </summary>
internal static class AtomicFile
{
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <paramref name="content"/> (UTF-8, no BOM) to <paramref name="path"/>, creating its directory.</summary>
    public static void WriteAllText(string path, string content)
    {
        using var staged = Stage(path, content);
        staged.Commit();
    }

    /// <summary>
    /// Writes <paramref name="content"/> to a temporary file beside <paramref name="path"/>; <see cref="Staged.Commit"/>
    /// moves it into place, disposing it without committing removes it. For files that must appear together.
    /// </summary>
    public static Staged Stage(string path, string content)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var staged = new Staged(full, Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp"));
        try
        {
            File.WriteAllText(staged.TempPath, content, s_utf8);
            return staged;
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    /// <summary>A file written beside its target, not yet moved into place.</summary>
    /// <param name="path">The target.</param>
    /// <param name="tempPath">The temporary file.</param>
    internal sealed class Staged(string path, string tempPath) : IDisposable
    {
        /// <summary>The temporary file.</summary>
        public string TempPath { get; } = tempPath;

        /// <summary>Moves the file into place, replacing what was there.</summary>
        public void Commit() => File.Move(TempPath, path, overwrite: true);

        /// <summary>Removes the temporary file if it was not committed.</summary>
        public void Dispose()
        {
            if (File.Exists(TempPath))
            {
                File.Delete(TempPath);
            }
        }
    }
}
