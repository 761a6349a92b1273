using Sim.Runtime.Exploration;
using Sim.Testing;

namespace Sim.Runtime.Tests;

/// <summary>
/// Reachability as a set: explores a program that must stay clean and collects what each iteration ended with, so that a
/// test can state exactly which outcomes exploration reaches (all of the legal ones, and nothing else) instead of faking
/// a bug to prove that one outcome is reachable.
/// </summary>
internal static class Reachable
{
    /// <summary>The distinct values <paramref name="program"/> returned over <paramref name="iterations"/> clean iterations.</summary>
    public static IReadOnlySet<T> Outcomes<T>(Func<SimRuntime, T> program, uint iterations = 300, ExplorationOptions? options = null)
    {
        // Iterations run one after another, and within one only one simulated thread runs at a time.
        var seen = new HashSet<T>();
        Exploring.StaysClean(rt => seen.Add(program(rt)), iterations, options);
        return seen;
    }
}
