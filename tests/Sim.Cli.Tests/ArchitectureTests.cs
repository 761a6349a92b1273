using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace Sim.Cli.Tests;

/// <summary>
/// The repository's layout rules that the compiler does not check on the command line: namespaces follow folders
/// (IDE0130 fires only in the IDE: dotnet/sdk#39742), only the Runtime references Coyote, and the layers below the CLI
/// use none of the APIs that escape exploration (BannedSymbols.txt; checked in the compiled code too, because the
/// analyzer does not see a C# <c>lock</c>, which compiles to <see cref="Monitor"/>).
/// </summary>
public sealed partial class ArchitectureTests
{
    private static readonly string s_root = CliHarness.RepositoryRoot();

    /// <summary>Each source folder and the namespace of its root (a project's RootNamespace, else its name).</summary>
    public static TheoryData<string> SourceFolders()
    {
        var data = new TheoryData<string>();
        foreach (var project in Directory.EnumerateFiles(s_root, "*.csproj", SearchOption.AllDirectories).Where(p => !IsBuildOutput(p)).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(s_root, Path.GetDirectoryName(project)!));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SourceFolders))]
    public void EverySourceFile_DeclaresTheNamespaceOfItsFolder(string folder)
    {
        var directory = Path.Combine(s_root, folder);
        var project = Directory.GetFiles(directory, "*.csproj").Single();
        var rootNamespace = RootNamespace().Match(File.ReadAllText(project)) is { Success: true } m ? m.Groups[1].Value : Path.GetFileNameWithoutExtension(project);
        var wrong = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories).Where(f => !IsBuildOutput(f) && OwningProject(f) == project))
        {
            var relative = Path.GetRelativePath(directory, Path.GetDirectoryName(file)!);
            var expected = relative == "." ? rootNamespace : $"{rootNamespace}.{relative.Replace(Path.DirectorySeparatorChar, '.')}";
            var declared = Namespace().Matches(File.ReadAllText(file)).Select(n => n.Groups[1].Value).ToList();
            var topLevelProgram = declared.Count == 0 && Path.GetFileName(file) == "Program.cs";
            if (!topLevelProgram && !declared.SequenceEqual([expected]))
            {
                wrong.Add($"{Path.GetRelativePath(s_root, file)}: {(declared.Count == 0 ? "no namespace" : string.Join(", ", declared))}, expected {expected}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Theory]
    [InlineData("Sim.Model")]
    [InlineData("Sim.Scenarios")]
    public void ModelAndScenarios_ReferenceNoCoyoteAssembly(string assembly)
    {
        var references = Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Sim.Runtime", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.Coyote", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Sim.Model")]
    [InlineData("Sim.Scenarios")]
    public void ModelAndScenarios_UseNoBannedType_NotEvenThroughTheLockStatement(string assembly)
    {
        var banned = File.ReadLines(Path.Combine(s_root, "BannedSymbols.txt"))
            .Where(line => line.StartsWith("T:", StringComparison.Ordinal))
            .Select(line => line[2..].Split(';')[0])
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains(typeof(Monitor).FullName!, banned);

        using var pe = new PEReader(File.OpenRead(Assembly.Load(assembly).Location));
        var metadata = pe.GetMetadataReader();
        var used = metadata.TypeReferences
            .Select(h => metadata.GetTypeReference(h))
            .Select(t => $"{metadata.GetString(t.Namespace)}.{metadata.GetString(t.Name)}")
            .Where(banned.Contains)
            .ToList();

        Assert.Empty(used);
    }

    [Fact]
    public void TheBannedTypeCheck_SeesTheLockStatement()
    {
        using var pe = new PEReader(File.OpenRead(typeof(ArchitectureTests).Assembly.Location));
        var metadata = pe.GetMetadataReader();

        Assert.Contains(metadata.TypeReferences, h => metadata.GetString(metadata.GetTypeReference(h).Name) == nameof(Monitor));
        Assert.Equal(1, LockedIncrement());
    }

    private static int LockedIncrement()
    {
        var gate = new object();
        var n = 0;
        lock (gate)
        {
            n++;
        }

        return n;
    }

    /// <summary>The project nearest above a source file: a nested project (the template's) owns its own files.</summary>
    private static string OwningProject(string file)
    {
        for (var directory = Path.GetDirectoryName(file)!; ; directory = Path.GetDirectoryName(directory)!)
        {
            if (Directory.GetFiles(directory, "*.csproj") is [var project])
            {
                return project;
            }
        }
    }

    private static bool IsBuildOutput(string path) =>
        Path.GetRelativePath(s_root, path).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj");

    [GeneratedRegex(@"<RootNamespace>([\w.]+)</RootNamespace>")]
    private static partial Regex RootNamespace();

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex Namespace();
}
