using System.Diagnostics;
using Sim.Cli.Hunting;

namespace Sim.Cli.Tests;

/// <summary>
/// <c>hunt --jobs N</c> pins each worker process to a core of its own on Linux (<see cref="WorkerAffinity"/>); that the
/// verdicts do not change is <see cref="ShardingTests"/>' claim.
/// </summary>
public sealed class WorkerAffinityTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sim-affinity-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void NthSetBit_CountsTheAllowedCpusOnly_AndWrapsAround()
    {
        var mask = new ulong[2];
        mask[0] = 0b1010;
        mask[1] = 1;

        Assert.Equal(1, WorkerAffinity.NthSetBit(mask, 0));
        Assert.Equal(3, WorkerAffinity.NthSetBit(mask, 1));
        Assert.Equal(64, WorkerAffinity.NthSetBit(mask, 2));
        Assert.Equal(1, WorkerAffinity.NthSetBit(mask, 3));
        Assert.Null(WorkerAffinity.NthSetBit(new ulong[2], 0));
    }

    [Fact]
    public void HuntWorker_WithCpu_RunsEveryThreadOnThatCoreAlone()
    {
        if (!OperatingSystem.IsLinux() || Environment.ProcessorCount < 2)
        {
            return; // Pinning is Linux's, and one core leaves nothing to choose.
        }

        Directory.CreateDirectory(_directory);
        var start = SelfProcess.StartInfo(["hunt-worker", "--output", _directory, "--cpu", "1"]);
        using var worker = Process.Start(start)!;
        try
        {
            // The worker pins itself before it reads its first request; wait until every thread it has shows one CPU.
            var expected = AllowedCpus(Environment.ProcessId)[1];
            var deadline = Stopwatch.StartNew();
            string[] seen;
            do
            {
                Thread.Sleep(100);
                seen = Directory.GetDirectories($"/proc/{worker.Id}/task")
                    .Select(t => TryRead(Path.Combine(t, "status")))
                    .OfType<string>()
                    .Select(s => ProcStatus.Field(s, "Cpus_allowed_list")!)
                    .ToArray();
            }
            while (seen.Any(c => c != expected.ToString(System.Globalization.CultureInfo.InvariantCulture)) && deadline.Elapsed < TimeSpan.FromSeconds(60));

            Assert.True(seen.Length > 1, "no threads read");
            Assert.All(seen, c => Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), c));
        }
        finally
        {
            worker.StandardInput.Close();
            if (!worker.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                worker.Kill();
            }
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static int[] AllowedCpus(int pid)
    {
        var list = ProcStatus.Read($"/proc/{pid}/status", "Cpus_allowed_list")!;
        return list.Split(',').SelectMany(r => r.Split('-') is [var a, var b]
            ? Enumerable.Range(int.Parse(a, System.Globalization.CultureInfo.InvariantCulture), int.Parse(b, System.Globalization.CultureInfo.InvariantCulture) - int.Parse(a, System.Globalization.CultureInfo.InvariantCulture) + 1)
            : [int.Parse(r, System.Globalization.CultureInfo.InvariantCulture)]).ToArray();
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null; // The thread ended between the listing and the read.
        }
    }
}
