using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Sim.Bench.Reporting;

/// <summary>The machine and software the figures were measured on, read at run time.</summary>
internal sealed record MachineInfo(int Cores, string Cpu, string Os, string DotNet, string Coyote, string BenchmarkDotNet, string Build)
{
    /// <summary>Reads the current machine.</summary>
    public static MachineInfo Read() => new(
        Environment.ProcessorCount,
        ReadCpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
        $"{ReadOsName() ?? RuntimeInformation.OSDescription} ({ReadKernel()}{RuntimeInformation.OSArchitecture})",
        RuntimeInformation.FrameworkDescription,
        VersionOf(typeof(Microsoft.Coyote.Runtime.Operation).Assembly),
        VersionOf(typeof(BenchmarkDotNet.Running.BenchmarkRunner).Assembly),
        IsOptimized(typeof(MachineInfo).Assembly) ? "Release" : "Debug (figures are not valid: build with -c Release)");

    /// <summary>One line for the README.</summary>
    public string Describe() =>
        $"{Cores} cores ({Cpu}), {Os}, {DotNet}, Coyote {Coyote}, BenchmarkDotNet {BenchmarkDotNet}, {Build} build";

    private static string? ReadCpuModel()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path))
        {
            return null;
        }

        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    private static string ReadKernel()
    {
        const string path = "/proc/sys/kernel/osrelease";
        return File.Exists(path) ? $"Linux {File.ReadAllText(path).Trim()}, " : string.Empty;
    }

    private static string? ReadOsName()
    {
        const string path = "/etc/os-release";
        if (!File.Exists(path))
        {
            return null;
        }

        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
        return line?["PRETTY_NAME=".Length..].Trim('"');
    }

    private static string VersionOf(Assembly assembly)
    {
        var v = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "?";
        var plus = v.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? v : v[..plus];
    }

    private static bool IsOptimized(Assembly assembly) =>
        assembly.GetCustomAttribute<DebuggableAttribute>() is not { IsJITOptimizerDisabled: true };
}

/// <summary>
/// How loaded the machine was while a section ran: the load average before and after, and the CPU time every process
/// used (from <c>/proc/stat</c>) minus this process's own, in cores.
/// </summary>
internal sealed class LoadMeter
{
    private readonly string? _loadBefore = ReadLoadAverage();
    private readonly (long Busy, long Total)? _cpuBefore = ReadCpu();
    private readonly TimeSpan _ownBefore = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Stops measuring and describes the load.</summary>
    public string Finish()
    {
        var elapsed = _clock.Elapsed;
        var loadAfter = ReadLoadAverage();
        var own = (Process.GetCurrentProcess().TotalProcessorTime - _ownBefore).TotalSeconds / elapsed.TotalSeconds;
        var text = $"load average (1/5/15 min) {_loadBefore ?? "?"} before, {loadAfter ?? "?"} after";
        if (_cpuBefore is { } before && ReadCpu() is { } after && after.Total > before.Total)
        {
            var allCores = (double)(after.Busy - before.Busy) / (after.Total - before.Total) * Environment.ProcessorCount;
            var others = Math.Max(0, allCores - own);
            text += string.Create(CultureInfo.InvariantCulture,
                $"; during the {elapsed.TotalSeconds:0} s run this process used {own:0.00} cores and other processes {others:0.00} of {Environment.ProcessorCount}");
            if (others >= 0.25)
            {
                text += " (the machine was loaded: read the figures as lower bounds)";
            }
        }

        return text;
    }

    private static string? ReadLoadAverage()
    {
        const string path = "/proc/loadavg";
        return File.Exists(path) ? string.Join(' ', File.ReadAllText(path).Split(' ').Take(3)) : null;
    }

    private static (long Busy, long Total)? ReadCpu()
    {
        const string path = "/proc/stat";
        if (!File.Exists(path))
        {
            return null;
        }

        // cpu  user nice system idle iowait irq softirq steal guest guest_nice (jiffies; guest time is counted in user)
        var fields = File.ReadLines(path).First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Sum();
        var idle = fields[3] + fields[4];
        return (total - idle, total);
    }
}
