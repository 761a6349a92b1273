using System.Globalization;
using System.Runtime.InteropServices;

namespace Sim.Cli.Hunting;

/// <summary>
/// Pins a hunt worker process (<c>sim hunt-worker --cpu K</c>) to one core on Linux, every thread of it, so that
/// <c>hunt --jobs N</c> with N no more than the cores runs one exploration per core. An exploration hands control from
/// one OS thread to another at every step; left free, its threads spread over both cores of a 2-core machine and a
/// second worker finds little room (1.28x for two workers against one). Pinned, the handoffs stay on one core and cost
/// 1.07x to 1.33x of the wall time with a third less CPU (bench/README.md, "Hunts over processes"). Pinning changes no
/// schedule: Coyote decides which simulated thread runs, not the OS.
/// </summary>
internal static class WorkerAffinity
{
    /// <summary>Words of the CPU masks passed to the kernel: 1,024 CPUs, as glibc's <c>cpu_set_t</c>.</summary>
    private const int MaskWords = 16;

    /// <summary>The core worker <paramref name="worker"/> of <paramref name="jobs"/> is pinned to, or null to leave it free (not Linux, or more workers than cores).</summary>
    public static int? CoreFor(int worker, int jobs) =>
        OperatingSystem.IsLinux() && jobs > 1 && jobs <= Environment.ProcessorCount ? worker : null;

    /// <summary>
    /// Pins every thread of this process to the <paramref name="core"/>-th CPU it may run on (threads started later inherit
    /// the mask of the thread that starts them). Returns false, changing nothing, where that cannot be done.
    /// </summary>
    public static bool Pin(int core)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return PinEveryThread(core);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool PinEveryThread(int core)
    {
        var allowed = new ulong[MaskWords];
        if (SchedGetAffinity(0, (nint)(MaskWords * sizeof(ulong)), allowed) != 0 || NthSetBit(allowed, core) is not { } cpu)
        {
            return false;
        }

        var mask = new ulong[MaskWords];
        mask[cpu / 64] = 1UL << (cpu % 64);
        var pinned = true;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid))
            {
                pinned &= SchedSetAffinity(tid, (nint)(MaskWords * sizeof(ulong)), mask) == 0;
            }
        }

        return pinned;
    }

    /// <summary>The index of the <paramref name="n"/>-th set bit of <paramref name="mask"/> (counting from 0, wrapping around), or null if none is set.</summary>
    internal static int? NthSetBit(ulong[] mask, int n)
    {
        var set = Enumerable.Range(0, mask.Length * 64).Where(b => (mask[b / 64] & (1UL << (b % 64))) != 0).ToList();
        return set.Count == 0 ? null : set[n % set.Count];
    }

    [DllImport("libc", EntryPoint = "sched_getaffinity")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SchedGetAffinity(int pid, nint size, [Out] ulong[] mask);

    [DllImport("libc", EntryPoint = "sched_setaffinity")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SchedSetAffinity(int pid, nint size, [In] ulong[] mask);
}
