using System.Diagnostics;

namespace Sim.Cli.Tests;

/// <summary>
/// Debian's <c>chromium</c> package, the browser the timeline page is checked in (Playwright's own browser download is
/// not reachable from these machines). Where it is missing, it is installed with apt-get when the tests run as root (as
/// CI does), so that <c>dotnet test</c> stays all a fresh machine needs; otherwise the test fails saying how to install
/// it. It never skips.
/// </summary>
internal static class DebianChromium
{
    /// <summary>Where Debian's package puts the browser.</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>The flags it is launched with: headless, no sandbox (root in a container), nothing fetched in the background.</summary>
    public static IReadOnlyList<string> Flags { get; } =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
    ];

    private static readonly Lock s_gate = new();

    /// <summary>The browser's path, installing the package first if it is missing.</summary>
    public static string Ensure()
    {
        lock (s_gate)
        {
            if (File.Exists(ExecutablePath))
            {
                return ExecutablePath;
            }

            const string How = "install Debian's chromium package (as root: apt-get update && apt-get install -y chromium) and run the tests again";
            if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/apt-get"))
            {
                throw new InvalidOperationException($"the timeline page test needs {ExecutablePath}, and this machine has no apt-get to install it: {How}");
            }

            if (Environment.UserName != "root")
            {
                throw new InvalidOperationException($"the timeline page test needs {ExecutablePath}, which is missing, and the tests do not run as root: {How}");
            }

            Run("update");
            Run("install", "-y", "--no-install-recommends", "chromium");
            return File.Exists(ExecutablePath)
                ? ExecutablePath
                : throw new InvalidOperationException($"apt-get installed chromium, but {ExecutablePath} is still missing: {How}");
        }
    }

    private static void Run(params string[] args)
    {
        var start = new ProcessStartInfo("apt-get") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start apt-get");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"apt-get {string.Join(' ', args)} failed ({process.ExitCode}): {error}{output.Result}");
        }
    }
}
