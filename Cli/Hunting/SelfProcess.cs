using System.Diagnostics;

namespace Sim.Cli.Hunting;

/// <summary>Starts this tool again as a child process (the hunt's workers): the <c>sim</c> executable, or <c>dotnet sim.dll</c>.</summary>
internal static class SelfProcess
{
    /// <summary>A start description of <c>sim ARGS</c>, with the standard streams redirected.</summary>
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var dll = typeof(SelfProcess).Assembly.Location;
        var host = Environment.ProcessPath;
        var apphost = Path.Combine(Path.GetDirectoryName(dll)!, Path.GetFileNameWithoutExtension(dll) + (OperatingSystem.IsWindows() ? ".exe" : string.Empty));
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (host is not null && string.Equals(Path.GetFullPath(host), Path.GetFullPath(apphost), StringComparison.Ordinal))
        {
            start.FileName = host;
        }
        else
        {
            // Under the dotnet host (dotnet sim.dll, dotnet run, a test host): run sim.dll with the same host.
            start.FileName = host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet"
                ? host
                : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
            start.ArgumentList.Add(dll);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }
}
