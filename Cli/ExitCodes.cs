namespace Sim.Cli;

/// <summary>The process exit codes of every <c>sim</c> command (README, "Exit codes").</summary>
internal static class ExitCodes
{
    /// <summary>Success: no bug (explore), the failure reproduced (replay), every expectation held (hunt), no failure (stress).</summary>
    public const int Ok = 0;

    /// <summary>A finding: a bug (explore), a different failure on replay, an expectation that did not hold (hunt), failures (stress).</summary>
    public const int Finding = 1;

    /// <summary>Bad input: an unknown scenario or variant, a bad flag, an invalid setting, an unreadable or foreign trace.</summary>
    public const int BadInput = 2;

    /// <summary>The scenario escaped the Runtime's control: a scenario error, not a finding.</summary>
    public const int ScenarioError = 3;

    /// <summary>An error of the tool itself (out of memory, an internal error): neither a finding nor the scenario's fault.</summary>
    public const int ToolError = 4;

    /// <summary>Interrupted (Ctrl-C or SIGTERM) after printing what was done so far: 128 + SIGINT, as shells report it.</summary>
    public const int Interrupted = 130;
}
