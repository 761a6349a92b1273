using Sim.Runtime;
using Sim.Runtime.Exploration;

namespace Sim.Testing;

/// <summary>
/// Reachability as a set of observed outcomes: a program reports what it saw (which thread won, which branch it took)
/// and the test asserts the set of everything reported over all explored schedules, so that "both orders happen" or
/// "this state is never seen" is a claim about exploration, not a failure made up to prove that a path was taken.
/// </summary>
public static class Outcomes
{
    /// <summary>
    /// Explores <paramref name="program"/> for <paramref name="iterations"/> iterations, asserting that none fails, and
    /// returns every value it passed to its <c>observe</c> callback, in any iteration.
    /// </summary>
    public static IReadOnlySet<T> Observed<T>(Action<SimRuntime, Action<T>> program, uint iterations = 300, ExplorationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        var seen = new HashSet<T>();
        void Observe(T outcome)
        {
            lock (seen)
            {
                seen.Add(outcome);
            }
        }

        Exploring.StaysClean(rt => program(rt, Observe), iterations, options);
        return seen;
    }
}
