namespace Sim.Cli.Tests;

/// <summary>
/// Long runs hold: nothing of an iteration outlives it, so an exploration's memory stays flat however many iterations
/// it runs (bench/README.md quotes the resident memory of runs up to a million iterations).
/// </summary>
public sealed class LongRunTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public void Explore_FiveThousandIterations_FitInA32MegabyteHeap()
    {
        // With the GC heap capped at 32 MB: the build before the explorer dropped Coyote's per-iteration coverage paths
        // (about 10 KB an iteration) ran out of memory in iteration 2,136 of this run, and reported it as a bug of the
        // scenario ("T1(main) threw OutOfMemoryException").
        var capped = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x2000000" };

        var result = SimProcess.Run(_cli.Directory, capped, ["explore", "pymutex-wakeup", "--variant", "cpython-3.13", "--iterations", "5000", "--bounded-schedules", "0"]);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("CLEAN: no bug in 5,000 iterations", result.Out, StringComparison.Ordinal);
    }

    public void Dispose() => _cli.Dispose();
}
