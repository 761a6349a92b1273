namespace Sim.Cli;

/// <summary>
/// Bad input: the tool prints the message as one line and exits with <see cref="ExitCodes.BadInput"/>. The message says
/// what is wrong and what to do about it.
/// </summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public UsageException()
    {
    }
}
