using System.Reflection;
using Sim.Bench;
using Sim.Bench.Exploration;
using Sim.Bench.Production;
using Sim.Bench.Reporting;
using Sim.Bench.Stress;

// sim-bench: measures exploration throughput against Coyote's Operation API and production-mode primitives against the
// BCL, and rewrites the figures sections of bench/README.md. See bench/README.md.
const string usage = """
    usage: dotnet run -c Release --project bench -- [all|exploration|production|stress] [--quick] [--readme PATH | --no-readme] [--filter TEXT]
      all          every section (default)
      exploration  exploration throughput: our Runtime against Coyote's Operation API
      production   production-mode microbenchmarks (BenchmarkDotNet) against the BCL
      stress       stress runs: how much threads overlap, and runs per second, against stress as it ran before the gate
      --quick      a smoke run: few iterations, figures not meaningful; writes no README unless --readme is given
      --readme     the README whose figures sections are rewritten (default: bench/README.md, full runs only)
      --no-readme  print the figures only
      --filter     run only the production benchmarks whose method name contains TEXT (implies --no-readme)
    """;

var section = "all";
var quick = false;
string? readme = null;
string? filter = null;
var writeReadme = true;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "all" or "exploration" or "production" or "stress":
            section = args[i];
            break;
        case "--quick":
            quick = true;
            break;
        case "--readme" when i + 1 < args.Length:
            readme = args[++i];
            break;
        case "--filter" when i + 1 < args.Length:
            filter = args[++i];
            break;
        case "--no-readme":
            writeReadme = false;
            break;
        case "-h" or "--help":
            Console.WriteLine(usage);
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'\n{usage}");
            return 2;
    }
}

if ((quick && readme is null) || filter is not null)
{
    writeReadme = false;
}

readme ??= DefaultReadme();
var command = "dotnet run -c Release --project bench -- " + string.Join(' ', args.DefaultIfEmpty("all"));
var machine = MachineInfo.Read();
Console.WriteLine($"sim-bench {section}{(quick ? " (quick)" : string.Empty)} on {machine.Describe()}");
try
{
    // Production first: BenchmarkDotNet measures best in a process that has not yet run thousands of Coyote threads.
    if (section is "all" or "production")
    {
        Console.WriteLine("production mode (BenchmarkDotNet):");
        var load = new LoadMeter();
        var date = DateTimeOffset.UtcNow;
        var figures = ProductionBenchmark.Run(quick, filter, Console.Out);
        Publish("production", FiguresWriter.Production(figures, new RunInfo(date, command, machine, load.Finish(), quick)));
    }

    if (section is "all" or "stress")
    {
        Console.WriteLine("stress (overlap probe and runs per second):");
        var load = new LoadMeter();
        var date = DateTimeOffset.UtcNow;
        var figures = StressBenchmark.Run(quick, Console.Out);
        Publish("stress", FiguresWriter.Stress(figures, new RunInfo(date, command, machine, load.Finish(), quick)));
    }

    if (section is "all" or "exploration")
    {
        Console.WriteLine("exploration throughput:");
        var load = new LoadMeter();
        var date = DateTimeOffset.UtcNow;
        var figures = ExplorationBenchmark.Run(quick, Console.Out);
        Publish("exploration", FiguresWriter.Exploration(figures, new RunInfo(date, command, machine, load.Finish(), quick)));
    }
}
catch (HarnessException ex)
{
    Console.Error.WriteLine($"sim-bench: harness error, no figures written: {ex.Message}");
    return 1;
}

return 0;

void Publish(string name, string markdown)
{
    Console.WriteLine();
    Console.WriteLine(markdown);
    Console.WriteLine();
    if (writeReadme)
    {
        ReadmeUpdater.Replace(readme, name, markdown);
        Console.WriteLine($"wrote the {name} figures to {readme}");
    }
}

static string DefaultReadme()
{
    var dir = typeof(HarnessException).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == "Sim.Bench.SourceDirectory")?.Value;
    return dir is not null && File.Exists(Path.Combine(dir, "README.md"))
        ? Path.Combine(dir, "README.md")
        : Path.Combine(Directory.GetCurrentDirectory(), "bench", "README.md");
}
