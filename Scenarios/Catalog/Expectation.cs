namespace Sim.Scenarios.Catalog;

/// <summary>What exploring a variant must give: a bug whose message contains a fragment, or no bug.</summary>
public abstract record Expectation
{
    private Expectation()
    {
    }

    /// <summary>No bug within the budget.</summary>
    public static Expectation Clean { get; } = new CleanExpectation();

    /// <summary>A bug whose message contains <paramref name="fragment"/> (ordinal comparison).</summary>
    public static Expectation Bug(string fragment) => new BugExpectation([fragment]);

    /// <summary>
    /// A bug whose message contains one of <paramref name="fragments"/>: for a broken design whose failure the schedule
    /// can reveal in more than one way.
    /// </summary>
    public static Expectation BugAnyOf(params string[] fragments) =>
        fragments is { Length: > 0 } ? new BugExpectation(fragments) : throw new ArgumentException("give at least one fragment", nameof(fragments));

    /// <summary>True if this expects a bug.</summary>
    public bool ExpectsBug => this is BugExpectation;

    /// <summary>True if a run that ended with <paramref name="bugMessage"/> (null: no bug) meets the expectation; <see cref="Verdict.Judge"/> asks it.</summary>
    internal abstract bool IsMetBy(string? bugMessage);

    /// <summary>No bug expected.</summary>
    public sealed record CleanExpectation : Expectation
    {
        /// <inheritdoc/>
        internal override bool IsMetBy(string? bugMessage) => bugMessage is null;

        /// <inheritdoc/>
        public override string ToString() => "clean";
    }

    /// <summary>A bug expected.</summary>
    /// <param name="Fragments">Parts of the expected message; the message must contain one of them.</param>
    public sealed record BugExpectation(IReadOnlyList<string> Fragments) : Expectation
    {
        /// <summary>The first (usually the only) expected fragment.</summary>
        public string Fragment => Fragments[0];

        /// <inheritdoc/>
        internal override bool IsMetBy(string? bugMessage) =>
            bugMessage is not null && Fragments.Any(f => bugMessage.Contains(f, StringComparison.Ordinal));

        /// <inheritdoc/>
        public override string ToString() => $"bug: {string.Join(" or ", Fragments.Select(f => $"\"{f}\""))}";

        /// <inheritdoc/>
        public bool Equals(BugExpectation? other) => other is not null && Fragments.SequenceEqual(other.Fragments);

        /// <inheritdoc/>
        public override int GetHashCode() => Fragments.Aggregate(0, (h, f) => HashCode.Combine(h, f));
    }
}
