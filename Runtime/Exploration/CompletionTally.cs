using System.Text.RegularExpressions;

namespace Sim.Runtime.Exploration;

/// <summary>
/// What a run to completion (<see cref="ExplorationOptions.RunToCompletion"/>) found over all its iterations: how many
/// failed, and the distinct findings, grouped by kind and normalized message (<see cref="FindingCounter.Normalize"/>), most frequent
/// first. The share of failing schedules per strategy is <see cref="FailedIterations"/> / <see cref="Iterations"/>.
/// </summary>
/// <param name="Iterations">Iterations run.</param>
/// <param name="FailedIterations">Iterations that ended in a finding.</param>
/// <param name="Groups">The distinct findings.</param>
public sealed record CompletionTally(int Iterations, int FailedIterations, IReadOnlyList<FindingGroup> Groups);

/// <summary>One distinct finding of a run to completion.</summary>
/// <param name="Kind">The finding's kind.</param>
/// <param name="Message">The message with its numbers replaced by <c>#</c> (numbers replaced by <c>#</c>); one iteration's message as an example is <see cref="Example"/>.</param>
/// <param name="Example">The message of the first iteration that failed this way.</param>
/// <param name="Count">Iterations that failed this way.</param>
/// <param name="FirstIteration">The first of them (from 1).</param>
public sealed record FindingGroup(FindingKind Kind, string Message, string Example, int Count, int FirstIteration);

/// <summary>Counts the findings of a run to completion as its iterations end.</summary>
internal sealed partial class FindingCounter
{
    private readonly Dictionary<(FindingKind, string), FindingGroup> _groups = [];
    private readonly List<(FindingKind, string)> _order = [];

    public int Failed { get; private set; }

    /// <summary>
    /// A message with every run of digits replaced by <c>#</c>: iteration-specific figures (step counts, values read,
    /// thread and object numbers) do not split one kind of failure into many.
    /// </summary>
    public static string Normalize(string message) => Digits().Replace(message, "#");

    public void Add(FindingKind kind, string message, int iteration)
    {
        Failed++;
        var key = (kind, Normalize(message));
        if (_groups.TryGetValue(key, out var group))
        {
            _groups[key] = group with { Count = group.Count + 1 };
        }
        else
        {
            _groups[key] = new FindingGroup(kind, key.Item2, message, 1, iteration);
            _order.Add(key);
        }
    }

    public CompletionTally Tally(int iterations) =>
        new(iterations, Failed, [.. _order.Select(k => _groups[k]).OrderByDescending(g => g.Count).ThenBy(g => g.FirstIteration)]);

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Digits();
}
