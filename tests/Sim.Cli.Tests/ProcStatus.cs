namespace Sim.Cli.Tests;

/// <summary>Fields of a Linux <c>/proc/.../status</c> file, for tests that check what the kernel sees of a process or thread.</summary>
internal static class ProcStatus
{
    /// <summary>The value of <paramref name="field"/> (<c>SigIgn</c>, <c>Cpus_allowed_list</c>, ...) in the status text <paramref name="status"/>, or null.</summary>
    public static string? Field(string status, string field) =>
        status.Split('\n').FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal)) is { } line
            ? line[(field.Length + 1)..].Trim()
            : null;

    /// <summary>The value of <paramref name="field"/> in the status file at <paramref name="path"/>, or null if the file or the field is missing.</summary>
    public static string? Read(string path, string field) => File.Exists(path) ? Field(File.ReadAllText(path), field) : null;
}
