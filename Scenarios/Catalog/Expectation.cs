namespace Sim.Scenarios;

/// <summary>What exploring a variant must give: a bug whose message contains a fragment, or no bug.</summary>
public abstract record Expectation
{
    private Expectation()
    {
    }

    /// <summary>No bug within the budget.</summary>
    public static Expectation Clean { get; } = new CleanExpectation();

    /// <summary>A bug whose message contains <paramref name="fragment"/> (ordinal comparison).</summary>
    public static Expectation Bug(string fragment) => new BugExpectation(fragment);

    /// <summary>True if this expects a bug.</summary>
    public bool ExpectsBug => this is BugExpectation;

    /// <summary>True if a run that ended with <paramref name="bugMessage"/> (null: no bug) meets the expectation.</summary>
    public abstract bool IsMetBy(string? bugMessage);

    /// <summary>No bug expected.</summary>
    public sealed record CleanExpectation : Expectation
    {
        /// <inheritdoc/>
        public override bool IsMetBy(string? bugMessage) => bugMessage is null;

        /// <inheritdoc/>
        public override string ToString() => "clean";
    }

    /// <summary>A bug expected.</summary>
    /// <param name="Fragment">Part of the expected message.</param>
    public sealed record BugExpectation(string Fragment) : Expectation
    {
        /// <inheritdoc/>
        public override bool IsMetBy(string? bugMessage) => bugMessage?.Contains(Fragment, StringComparison.Ordinal) == true;

        /// <inheritdoc/>
        public override string ToString() => $"bug: \"{Fragment}\"";
    }
}
