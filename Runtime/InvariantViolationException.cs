namespace Sim.Runtime;

/// <summary>
/// An invariant failed in production mode (in controlled mode the same failure is a Coyote assertion). Carries the
/// same message either way.
/// </summary>
public sealed class InvariantViolationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvariantViolationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public InvariantViolationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public InvariantViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
