using System.Collections.Concurrent;
using System.Reflection;
using Sim.Scenarios.Catalog;

namespace Sim.Cli.Loading;

/// <summary>
/// Makes the <see cref="Catalog"/> a command works on: the built-in corpus, or the scenarios of the assemblies given
/// with <c>--assembly</c> and of the projects given with <c>--project</c> (built first). Each assembly is loaded once per
/// process (by path and time of writing) into its own <see cref="ScenarioLoadContext"/>. Every problem (no such file, not
/// a .NET assembly, built against other Sim packages, no scenarios, a failed build) is a one-line <see cref="UsageException"/>.
/// </summary>
internal static class ScenarioSources
{
    private static readonly ConcurrentDictionary<(string Path, DateTime Written), IReadOnlyList<Scenario>> s_loaded = new();

    /// <summary>The catalog of <paramref name="assemblies"/> and <paramref name="projects"/> (paths as given), or the built-in corpus when both are empty.</summary>
    public static Catalog Load(IReadOnlyList<string> assemblies, IReadOnlyList<string> projects, CliContext context)
    {
        if (assemblies.Count == 0 && projects.Count == 0)
        {
            return Catalog.Default;
        }

        var paths = assemblies.Select(a => Existing(context.FullPath(a), "--assembly", a))
            .Concat(projects.Select(p => ProjectBuild.Build(Existing(context.FullPath(p), "--project", p), p)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var scenarios = new List<Scenario>();
        foreach (var path in paths)
        {
            var shown = context.Show(path);
            var found = s_loaded.GetOrAdd((path, File.GetLastWriteTimeUtc(path)), key => Discover(key.Path, shown));
            if (found.FirstOrDefault(f => scenarios.Any(s => s.Name == f.Name)) is { } twice)
            {
                throw new UsageException($"two of the assemblies given define a scenario named '{twice.Name}'; give only one of them");
            }

            scenarios.AddRange(found);
        }

        return new Catalog([.. scenarios.OrderBy(s => s.Name, StringComparer.Ordinal)], paths);
    }

    /// <summary>
    /// The catalog of the outside assemblies a trace or a report recorded (<paramref name="recorded"/>; none: the built-in
    /// corpus), loaded from where they were. One that is not there now is a <see cref="UsageException"/> that starts with
    /// <paramref name="what"/> ("FILE is a trace of 'x'") and says how to give it.
    /// </summary>
    public static Catalog LoadRecorded(IReadOnlyList<ScenarioAssembly> recorded, string what, CliContext context)
    {
        var outside = recorded.Where(a => a.Path is not null).ToList();
        if (outside.FirstOrDefault(a => !File.Exists(a.Path)) is { } gone)
        {
            throw new UsageException(
                $"{what} from assembly {gone.Name}, recorded at {gone.Path}, which is not there now; give --assembly PATH (the built {gone.Name}.dll) or --project PATH (its project)");
        }

        return Load([.. outside.Select(a => a.Path!)], [], context);
    }

    /// <summary>The scenarios of the assembly at <paramref name="path"/>, loaded in its own context.</summary>
    public static IReadOnlyList<Scenario> Discover(string path, string shown)
    {
        try
        {
            _ = AssemblyName.GetAssemblyName(path);
        }
        catch (BadImageFormatException)
        {
            throw new UsageException($"--assembly {shown} is not a .NET assembly; give the .dll that building your scenario project produced (bin/Debug/net10.0/NAME.dll), or its project with --project");
        }

        // Sim's own assemblies are the tool's (a second copy would have its own Scenario type): take the loaded one.
        var name = AssemblyName.GetAssemblyName(path);
        var assembly = ScenarioLoadContext.IsShared(name.Name) ? Assembly.Load(name.Name!) : new ScenarioLoadContext(path).LoadFromAssemblyPath(path);
        CheckVersions(assembly, shown);
        ScenarioCatalog catalog;
        try
        {
            catalog = ScenarioCatalog.Discover(assembly);
        }
        catch (ReflectionTypeLoadException ex)
        {
            var why = ex.LoaderExceptions.FirstOrDefault(e => e is not null)?.Message ?? ex.Message;
            throw new UsageException($"--assembly {shown}: its types cannot be loaded ({Output.Format.OneLine(why)}); rebuild it against the Sim packages of this sim ({ToolInfo.Version})");
        }
        catch (Exception ex) when (ex is InvalidOperationException or TargetInvocationException or MissingMethodException)
        {
            throw new UsageException($"--assembly {shown}: {Output.Format.OneLine((ex.GetBaseException() ?? ex).Message)}");
        }

        return catalog.All.Count > 0
            ? catalog.All
            : throw new UsageException($"--assembly {shown} has no scenarios: mark a class derived from Scenario<TDesign> with [Scenario(\"name\")] (see README, \"Your own scenarios\")");
    }

    /// <summary>Refuses an assembly built against other versions of Sim's assemblies than those the tool runs on.</summary>
    private static void CheckVersions(Assembly assembly, string shown)
    {
        var references = assembly.GetReferencedAssemblies();
        if (!references.Any(r => r.Name == "Sim.Scenarios"))
        {
            throw new UsageException($"--assembly {shown} has no scenarios: it does not reference Sim.Scenarios (add the Sim.Scenarios package, version {ToolInfo.Version}, and mark scenarios with [Scenario(\"name\")])");
        }

        foreach (var reference in references.Where(r => ScenarioLoadContext.IsShared(r.Name) && r.Name!.StartsWith("Sim.", StringComparison.Ordinal)))
        {
            var ours = Assembly.Load(new AssemblyName(reference.Name!)).GetName().Version;
            if (reference.Version != ours)
            {
                throw new UsageException(
                    $"--assembly {shown} was built against {reference.Name} {reference.Version}, but this sim runs {ours}: reference the Sim packages of version {ToolInfo.Version}, or install the sim tool that matches them");
            }
        }
    }

    private static string Existing(string path, string flag, string given)
    {
        if (File.Exists(path))
        {
            return path;
        }

        throw new UsageException(Directory.Exists(path)
            ? $"{flag} {given} is a folder; give the {(flag == "--project" ? "project file (.csproj)" : "assembly file (.dll)")} in it"
            : $"{flag} {given}: no such file; give the path of {(flag == "--project" ? "a scenario project (.csproj)" : "a built scenario assembly (.dll)")}");
    }
}
